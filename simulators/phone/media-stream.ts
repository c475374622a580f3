/**
 * One Twilio Media Stream to the product's bridge: connects as Twilio does,
 * sends the party's audio in paced 20 ms frames, plays the agent's audio out
 * of a real-time queue (echoing marks, honouring `clear`), and stops when the
 * call or its TwiML moves on.
 */
import type { Logger } from 'pino';
import WebSocket, { type RawData } from 'ws';
import { FRAME_MS } from '../audio.js';
import { msSinceCreated } from './call-record.js';
import type { CallVoice } from './call-voice.js';
import { DtmfDetector } from './dtmf-detector.js';
import { FrameClock } from './frame-clock.js';
import { createSid } from './ids.js';
import { PlaybackQueue } from './playback-queue.js';
import { computeTwilioSignature } from './signature.js';
import * as messages from './stream-messages.js';
import type { StreamVerb } from './twiml.js';
import type { PartyBehaviour, SimulatedCall, StreamRecord } from './types.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** After `stop`, how long the bridge has to finish the close handshake. */
const CLOSE_GRACE_MS = 2_000;
const DTMF_DIGITS = '0123456789*#ABCD';

export interface MediaStreamOptions {
  call: SimulatedCall;
  authToken: string;
  verb: StreamVerb;
  party: PartyBehaviour;
  /** The party's voice, which carries on from one stream of the call to the next. */
  voice: CallVoice;
  logger: Logger;
  onPartyHangup: () => void;
}

export class MediaStreamConnection {
  readonly record: StreamRecord;
  private readonly identity: messages.StreamIdentity;
  private readonly clock = new FrameClock();
  private readonly playback: PlaybackQueue;
  private readonly voice: CallVoice;
  private socket: WebSocket | null = null;
  private sequenceNumber = 0;
  private hasHungUp = false;

  constructor(private readonly options: MediaStreamOptions) {
    const { call, verb } = options;
    this.record = createStreamRecord(verb);
    this.identity = {
      accountSid: call.accountSid,
      callSid: call.sid,
      streamSid: this.record.streamSid,
    };
    const heard = new DtmfDetector((digit) => this.record.digitsHeard.push(digit));
    this.playback = new PlaybackQueue((bytes) => heard.feed(bytes));
    this.voice = options.voice;
    this.voice.continueOnNewStream(this.record.utterancesPlayed);
    call.streams.push(this.record);
    call.stream = this.record;
  }

  /** Resolves once the socket has closed, whoever closed it. */
  run(signal: AbortSignal): Promise<void> {
    const { url } = this.record;
    const signature = computeTwilioSignature(this.options.authToken, url);
    const socket = new WebSocket(url, {
      headers: { 'X-Twilio-Signature': signature },
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    this.socket = socket;

    socket.on('unexpected-response', (_request, response) => {
      this.record.upgradeStatus = response.statusCode ?? null;
      this.record.endedBy = 'refused';
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => this.startStream());
    socket.on('message', (data, isBinary) => this.receiveMessage(data, isBinary));
    socket.on('error', (error) =>
      this.options.logger.warn({ err: error.message }, 'stream socket error'),
    );

    return new Promise((resolve) => {
      const stopOnAbort = () => this.stopStream();
      signal.addEventListener('abort', stopOnAbort, { once: true });
      socket.on('close', (code) => {
        signal.removeEventListener('abort', stopOnAbort);
        this.clock.stop();
        this.record.closeCode = code;
        this.record.endedBy ??= this.record.upgradeStatus === null ? 'refused' : 'bridge';
        this.record.stoppedAtMs ??= msSinceCreated(this.options.call);
        resolve();
      });
      if (signal.aborted) stopOnAbort();
    });
  }

  sendDigits(digits: string): void {
    for (const digit of digits) {
      if (!DTMF_DIGITS.includes(digit)) continue;
      if (
        !this.send(messages.buildDtmfMessage(this.record.streamSid, this.nextSequence(), digit))
      ) {
        return;
      }
      this.record.digitsSent.push(digit);
    }
  }

  private startStream(): void {
    this.record.upgradeStatus = 101;
    this.record.startedAtMs = msSinceCreated(this.options.call);
    this.send(messages.buildConnectedMessage());
    if (this.options.party.mediaBeforeStart) this.sendEarlyFrame();
    this.send(
      messages.buildStartMessage(this.identity, this.nextSequence(), this.record.customParameters),
    );
    this.clock.start((frameIndex) => this.sendFrame(frameIndex));
  }

  /** Twilio may deliver a media frame ahead of `start` (case C06). */
  private sendEarlyFrame(): void {
    const silence = Buffer.alloc(160, 0xff);
    const message = messages.buildMediaMessage(
      this.record.streamSid,
      this.nextSequence(),
      0,
      0,
      silence,
    );
    if (this.send(message)) this.record.framesBeforeStart += 1;
  }

  /** The party hangs up (once, whichever stream it speaks on). */
  hangUpOnce(): void {
    if (this.hasHungUp) return;
    this.hasHungUp = true;
    this.options.onPartyHangup();
  }

  private stopStream(): void {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    if (socket.readyState !== WebSocket.OPEN) {
      this.record.endedBy ??= 'stop';
      socket.terminate();
      return;
    }
    this.clock.stop();
    this.record.endedBy = 'stop';
    this.record.stoppedAtMs = msSinceCreated(this.options.call);
    this.send(messages.buildStopMessage(this.identity, this.nextSequence()));
    socket.close(1000);
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Frame n covers stream time [n * 20, n * 20 + 20) ms; both tracks advance together. */
  private sendFrame(frameIndex: number): void {
    const frameEndMs = (frameIndex + 1) * FRAME_MS;
    for (const name of this.playback.playFrame(frameEndMs))
      this.returnMark(name, 'played', frameEndMs);
    this.record.agentAudioPlayedBytes = this.playback.playedBytes;

    const payload = this.voice.nextFrame(frameEndMs, this.playback);
    const message = messages.buildMediaMessage(
      this.record.streamSid,
      this.nextSequence(),
      frameIndex,
      frameIndex * FRAME_MS,
      payload,
    );
    if (this.send(message)) this.record.framesSent += 1;
    this.hangUpAfterAudioIfDue(frameEndMs);
  }

  private hangUpAfterAudioIfDue(nowStreamMs: number): void {
    const afterMs = this.options.party.hangupAfterAudioMs;
    const endedAtMs = this.voice.audioEndedAtStreamMs;
    if (afterMs === undefined || endedAtMs === null || this.hasHungUp) return;
    if (nowStreamMs < endedAtMs + afterMs) return;
    this.hangUpOnce();
  }

  private receiveMessage(data: RawData, isBinary: boolean): void {
    const nowStreamMs = Math.round(this.clock.elapsedMs());
    const message = parseBridgeMessage(data, isBinary, this.record.streamSid);
    if (!message.ok) {
      this.record.invalidMessages.push({ atStreamMs: nowStreamMs, reason: message.reason });
      this.options.logger.warn({ reason: message.reason }, 'invalid message from the bridge');
      return;
    }

    const { value } = message;
    if (value.event === 'media') {
      const bytes = Buffer.from(value.media.payload, 'base64');
      this.record.firstAgentMediaAtStreamMs ??= nowStreamMs;
      this.record.agentMediaBytes += bytes.length;
      this.playback.enqueueAudio(bytes);
    } else if (value.event === 'mark') {
      this.record.marksReceived.push({
        name: value.mark.name,
        receivedAtStreamMs: nowStreamMs,
        returnedAtStreamMs: null,
        playedAudioMs: null,
      });
      if (this.playback.enqueueMark(value.mark.name))
        this.returnMark(value.mark.name, 'played', nowStreamMs);
    } else {
      this.clearPlayback(nowStreamMs);
    }
  }

  private clearPlayback(nowStreamMs: number): void {
    const cleared = this.playback.clear(nowStreamMs);
    this.record.agentAudioDiscardedBytes += cleared.discardedBytes;
    this.record.clears.push({
      atStreamMs: nowStreamMs,
      discardedBytes: cleared.discardedBytes,
      marksReturned: cleared.marks.length,
    });
    for (const name of cleared.marks) this.returnMark(name, 'cleared', nowStreamMs);
  }

  private returnMark(name: string, cause: 'played' | 'cleared', atStreamMs: number): void {
    const pending = this.record.marksReceived.find(
      (mark) => mark.name === name && mark.returnedAtStreamMs === null,
    );
    if (pending) {
      pending.returnedAtStreamMs = atStreamMs;
      pending.playedAudioMs = this.playback.playedMs;
    }
    this.record.marksReturned.push({ name, atStreamMs, cause });
    this.send(messages.buildMarkMessage(this.record.streamSid, this.nextSequence(), name));
  }

  private send(message: object): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private nextSequence(): number {
    this.sequenceNumber += 1;
    return this.sequenceNumber;
  }
}

type ParsedBridgeMessage =
  { ok: true; value: messages.BridgeMessage } | { ok: false; reason: string };

function parseBridgeMessage(
  data: RawData,
  isBinary: boolean,
  streamSid: string,
): ParsedBridgeMessage {
  if (isBinary) return { ok: false, reason: 'binary frame' };
  let json: unknown;
  try {
    json = JSON.parse(rawDataToString(data));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = messages.bridgeMessageSchema.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join('.') || issue.message);
    return { ok: false, reason: `schema: ${paths.join(', ')}` };
  }
  if (parsed.data.streamSid !== streamSid) return { ok: false, reason: 'unknown streamSid' };
  return { ok: true, value: parsed.data };
}

function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(new Uint8Array(data)).toString('utf8');
}

function createStreamRecord(verb: StreamVerb): StreamRecord {
  return {
    url: verb.url,
    upgradeStatus: null,
    streamSid: createSid('MZ'),
    customParameters: { ...verb.parameters },
    framesSent: 0,
    agentMediaBytes: 0,
    firstAgentMediaAtStreamMs: null,
    agentAudioPlayedBytes: 0,
    agentAudioDiscardedBytes: 0,
    marksReceived: [],
    marksReturned: [],
    clears: [],
    digitsSent: [],
    digitsHeard: [],
    framesBeforeStart: 0,
    invalidMessages: [],
    utterancesPlayed: [],
    startedAtMs: null,
    stoppedAtMs: null,
    endedBy: null,
    closeCode: null,
  };
}
