/**
 * The Twilio side of one benchmark call: a media stream to the real bridge,
 * signed like Twilio's, with a valid stream token. It sends a stamped 20 ms
 * caller frame every 20 ms, plays the agent's audio in real time (returning
 * each mark when the audio before it has played, all of them at once on
 * `clear`), and reads the stamps of the agent audio it receives.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { computeSignature } from '../lib/twilio-signature.js';
import { mintStreamToken } from '../lib/stream-token.js';
import { readStamp, stampedPayload } from './frame-stamp.js';
import type { CallTraffic } from './traffic.js';

const FRAME_MS = 20;
const FRAME_BYTES = 160;
const MULAW_BYTES_PER_MS = 8;

export interface TwilioPeerOptions {
  streamUrl: string;
  authToken: string;
  streamTokenSecret: string;
}

interface BridgeMessage {
  event: string;
  media?: { payload: string };
  mark?: { name: string };
}

export class TwilioPeerCall {
  private socket: WebSocket | undefined;
  private frameTimer: NodeJS.Timeout | undefined;
  private nextFrameAtMs = 0;
  private playbackEndsAtMs = 0;
  private readonly pendingMarks = new Map<string, NodeJS.Timeout>();
  private readonly streamSid: string;

  constructor(
    private readonly call: CallTraffic,
    private readonly options: TwilioPeerOptions,
  ) {
    this.streamSid = `MZ${call.index.toString(16).padStart(32, '0')}`;
  }

  /** Opens the stream and sends `connected` and `start`. */
  connect(): Promise<void> {
    const signature = computeSignature(this.options.authToken, this.options.streamUrl);
    const socket = new WebSocket(this.options.streamUrl, {
      headers: { 'X-Twilio-Signature': signature },
    });
    this.socket = socket;
    socket.on('message', (data) => this.receive(data.toString()));
    socket.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('open', () => {
        const { callId } = this.call;
        const callSid = `CA${this.call.index.toString(16).padStart(32, '0')}`;
        const customParameters = {
          call_id: callId,
          stream_token: mintStreamToken(this.options.streamTokenSecret, callId),
        };
        socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
        socket.send(
          JSON.stringify({
            event: 'start',
            sequenceNumber: '1',
            streamSid: this.streamSid,
            start: {
              streamSid: this.streamSid,
              callSid,
              accountSid: 'ACbench',
              tracks: ['inbound'],
              customParameters,
            },
          }),
        );
        resolve();
      });
    });
  }

  /** Caller frames every 20 ms from `offsetMs` on, on a drift-corrected schedule. */
  startTalking(offsetMs: number): void {
    this.nextFrameAtMs = performance.now() + offsetMs;
    this.frameTimer = setTimeout(() => this.sendDueFrames(), offsetMs);
  }

  stopTalking(): void {
    clearTimeout(this.frameTimer);
    this.frameTimer = undefined;
  }

  /** Ends the stream as Twilio does when the caller hangs up. */
  hangUp(): void {
    this.stopTalking();
    for (const timer of this.pendingMarks.values()) clearTimeout(timer);
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ event: 'stop', streamSid: this.streamSid }));
    socket.close(1000);
  }

  private sendDueFrames(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const nowMs = performance.now();
    while (this.nextFrameAtMs <= nowMs) {
      const sequence = this.call.nextCallerSequence();
      const payload = stampedPayload(FRAME_BYTES, this.call.index, sequence);
      socket.send(
        `{"event":"media","sequenceNumber":"${sequence}","media":{"track":"inbound","chunk":"${sequence}","timestamp":"${sequence * FRAME_MS}","payload":"${payload}"},"streamSid":"${this.streamSid}"}`,
      );
      this.nextFrameAtMs += FRAME_MS;
    }
    this.frameTimer = setTimeout(
      () => this.sendDueFrames(),
      Math.max(0, this.nextFrameAtMs - performance.now()),
    );
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as BridgeMessage;
    const nowMs = performance.now();
    if (message.event === 'media' && message.media) {
      this.call.receiveAgentFrame(readStamp(message.media.payload), nowMs);
      const audioMs = (message.media.payload.length * 3) / 4 / MULAW_BYTES_PER_MS;
      this.playbackEndsAtMs = Math.max(nowMs, this.playbackEndsAtMs) + audioMs;
    } else if (message.event === 'mark' && message.mark) {
      const name = message.mark.name;
      const delayMs = Math.max(0, this.playbackEndsAtMs - nowMs);
      this.pendingMarks.set(
        name,
        setTimeout(() => this.returnMark(name), delayMs),
      );
    } else if (message.event === 'clear') {
      this.call.clearReceived(nowMs);
      this.playbackEndsAtMs = nowMs;
      for (const [name, timer] of this.pendingMarks) {
        clearTimeout(timer);
        this.returnMark(name);
      }
    }
  }

  private returnMark(name: string): void {
    this.pendingMarks.delete(name);
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify({ event: 'mark', streamSid: this.streamSid, mark: { name } }));
  }
}
