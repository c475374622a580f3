/**
 * One benchmark call's traffic as both peers see it (they share a process, so
 * one clock): frames numbered per direction, hop latencies from their stamps,
 * frames lost or out of order, and the barge-in reaction (speech start sent by
 * the model side to `clear` received on the Twilio side).
 */
import type { FrameStamp } from './frame-stamp.js';
import { Samples } from './stats.js';

export class TrafficStats {
  measuring = false;
  readonly callerToModel = new Samples();
  readonly modelToCaller = new Samples();
  readonly bargeIn = new Samples();
  reordered = 0;
  /** Frames that reached another call's peer: must stay zero. */
  misrouted = 0;

  reset(): void {
    this.callerToModel.clear();
    this.modelToCaller.clear();
    this.bargeIn.clear();
  }
}

export class CallTraffic {
  callerFramesSent = 0;
  callerFramesReceived = 0;
  agentFramesSent = 0;
  agentFramesReceived = 0;
  private lastCallerSequence = -1;
  private lastAgentSequence = -1;
  private speechStartedAtMs: number | undefined;
  private paired!: () => void;
  /** Resolves when the model side has this call's session. */
  readonly modelReady = new Promise<void>((resolve) => (this.paired = resolve));

  constructor(
    readonly index: number,
    readonly callId: string,
    private readonly stats: TrafficStats,
  ) {}

  modelPaired(): void {
    this.paired();
  }

  nextCallerSequence(): number {
    this.callerFramesSent += 1;
    return this.callerFramesSent;
  }

  nextAgentSequence(): number {
    this.agentFramesSent += 1;
    return this.agentFramesSent;
  }

  receiveCallerFrame(stamp: FrameStamp, nowMs: number): void {
    this.callerFramesReceived += 1;
    if (stamp.callIndex !== this.index) this.stats.misrouted += 1;
    if (stamp.sequence < this.lastCallerSequence) this.stats.reordered += 1;
    this.lastCallerSequence = stamp.sequence;
    if (this.stats.measuring) this.stats.callerToModel.add(nowMs - stamp.sentAtMs);
  }

  receiveAgentFrame(stamp: FrameStamp, nowMs: number): void {
    this.agentFramesReceived += 1;
    if (stamp.callIndex !== this.index) this.stats.misrouted += 1;
    if (stamp.sequence < this.lastAgentSequence) this.stats.reordered += 1;
    this.lastAgentSequence = stamp.sequence;
    if (this.stats.measuring) this.stats.modelToCaller.add(nowMs - stamp.sentAtMs);
  }

  speechStarted(nowMs: number): void {
    this.speechStartedAtMs = nowMs;
  }

  clearReceived(nowMs: number): void {
    if (this.speechStartedAtMs === undefined) return;
    if (this.stats.measuring) this.stats.bargeIn.add(nowMs - this.speechStartedAtMs);
    this.speechStartedAtMs = undefined;
  }

  /** Frames sent one way or the other that never arrived. */
  get framesDropped(): number {
    return (
      this.callerFramesSent -
      this.callerFramesReceived +
      (this.agentFramesSent - this.agentFramesReceived)
    );
  }
}
