/** The messages between the benchmark's bridge process and its peer process (over IPC). */
import { z } from 'zod';

export const runRequest = z.object({
  type: z.literal('run'),
  streamUrl: z.string(),
  calls: z.number().int().positive(),
  warmUpMs: z.number().int().min(0),
  measureMs: z.number().int().positive(),
});

export const hopStats = z.object({
  p50: z.number(),
  p99: z.number(),
  p999: z.number(),
  samples: z.number(),
});

export const peerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), tlsPort: z.number().int(), plainPort: z.number().int() }),
  z.object({ type: z.literal('measuring') }),
  z.object({
    type: z.literal('result'),
    callsLive: z.number().int(),
    callerToModel: hopStats,
    modelToCaller: hopStats,
    bargeInP99: z.number(),
    bargeIns: z.number().int(),
    framesSent: z.number().int(),
    framesDropped: z.number().int(),
    framesReordered: z.number().int(),
    framesMisrouted: z.number().int(),
    peerCpuPercent: z.number(),
    peerEventLoopP99Ms: z.number(),
    peerLoopUtilization: z.number(),
  }),
  z.object({ type: z.literal('closed') }),
]);

export type RunRequest = z.infer<typeof runRequest>;
export type PeerMessage = z.infer<typeof peerMessage>;
