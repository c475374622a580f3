/**
 * The bridge's metrics: live streams, and the bridge's own handling time per
 * frame in each direction. Network and queueing time are not in the frame
 * histogram: queueing shows as event-loop lag (nodejs_eventloop_lag_*), and
 * `npm run bench` measures each whole hop from the peers' clock.
 */
import { createRegistry, Gauge, Histogram, type Registry } from '../lib/metrics.js';

export type FrameHop = 'twilio_to_model' | 'model_to_twilio';

export interface BridgeMetrics {
  registry: Registry;
  activeStreams: Gauge;
  frameSeconds: Histogram<'hop'>;
  /** Times one frame's handling, from the socket's message to the send on the other side. */
  timeFrame(hop: FrameHop, handle: () => void): void;
}

/** 50 µs to 50 ms: a frame is handled in well under a millisecond on an idle bridge. */
const FRAME_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

export function createBridgeMetrics(): BridgeMetrics {
  const registry = createRegistry('bridge');
  const frameSeconds = new Histogram({
    name: 'voice_bridge_frame_handling_seconds',
    help: "The bridge's handling time of one audio frame, by hop",
    labelNames: ['hop'],
    buckets: FRAME_SECONDS_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    activeStreams: new Gauge({
      name: 'voice_bridge_active_streams',
      help: 'Twilio media streams open on this bridge',
      registers: [registry],
    }),
    frameSeconds,
    timeFrame(hop, handle) {
      const startedAt = process.hrtime.bigint();
      handle();
      frameSeconds.observe({ hop }, Number(process.hrtime.bigint() - startedAt) / 1e9);
    },
  };
}
