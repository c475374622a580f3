/**
 * A hand-driven Twilio for bridge tests: posts a signed incoming-call webhook
 * to get a real call and its stream token, then plays the Media Streams side
 * of the socket message by message, recording everything the bridge sends.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { Stack } from '../../scripts/stack.js';
import { FRAME_BYTES } from '../../simulators/audio.js';
import { computeSignature } from '../../lib/twilio-signature.js';
import { rawPost } from './raw-http.js';

export interface InboundCall {
  callSid: string;
  callId: string;
  streamToken: string;
}

export async function openInboundCall(stack: Stack, from = '+15005550006'): Promise<InboundCall> {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const body = new URLSearchParams({
    AccountSid: stack.config.twilio.accountSid,
    CallSid: callSid,
    From: from,
    To: stack.tenant.phoneNumber,
  }).toString();
  const url = `${stack.config.api.publicUrl}/api/v1/incoming-call`;
  const signature = computeSignature(
    stack.config.twilio.authToken,
    url,
    new Map([...new URLSearchParams(body)].map(([k, v]) => [k, [v]])),
  );
  const response = await rawPost(stack.apiUrl, '/api/v1/incoming-call', body, {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': signature,
  });
  const callId = /name="call_id" value="([^"]+)"/.exec(response.body)?.[1];
  const streamToken = /name="stream_token" value="([^"]+)"/.exec(response.body)?.[1];
  if (response.status !== 200 || !callId || !streamToken)
    throw new Error(`incoming-call answered ${response.status}: ${response.body}`);
  return { callSid, callId, streamToken };
}

export interface ReceivedMessage {
  event: string;
  streamSid?: string;
  media?: { payload: string };
  mark?: { name: string };
}

export class TwilioPeer {
  readonly received: ReceivedMessage[] = [];
  readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  private sequence = 0;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) =>
      this.received.push(JSON.parse(data.toString('utf8')) as ReceivedMessage),
    );
  }

  /** Opens the upgrade signed as Twilio signs it (over the configured stream URL). */
  static connect(stack: Stack, signature?: string | null): Promise<TwilioPeer> {
    const headers: Record<string, string> = {};
    if (signature !== null) {
      headers['x-twilio-signature'] =
        signature ?? computeSignature(stack.config.twilio.authToken, stack.config.media.streamUrl);
    }
    const socket = new WebSocket(stack.mediaUrl, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TwilioPeer(socket)));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused: ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.sequence += 1;
    this.socket.send(JSON.stringify({ sequenceNumber: String(this.sequence), ...message }));
  }

  start(call: { callSid: string; callId?: string; streamToken?: string }): void {
    const customParameters: Record<string, string> = {};
    if (call.callId) customParameters.call_id = call.callId;
    if (call.streamToken) customParameters.stream_token = call.streamToken;
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      streamSid: this.streamSid,
      start: {
        streamSid: this.streamSid,
        callSid: call.callSid,
        accountSid: 'AC',
        tracks: ['inbound'],
        customParameters,
      },
    });
  }

  sendAudio(frame: Buffer): void {
    this.send({
      event: 'media',
      streamSid: this.streamSid,
      media: { track: 'inbound', payload: frame.toString('base64') },
    });
  }

  /** Sends audio as 20 ms frames, `gapMs` apart (the model's VAD works on the audio timeline). */
  async streamAudio(audio: Buffer, gapMs = 2): Promise<void> {
    for (let offset = 0; offset < audio.length; offset += FRAME_BYTES) {
      this.sendAudio(audio.subarray(offset, offset + FRAME_BYTES));
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }

  echoMark(name: string): void {
    this.send({ event: 'mark', streamSid: this.streamSid, mark: { name } });
  }

  stop(): void {
    this.send({
      event: 'stop',
      streamSid: this.streamSid,
      stop: { accountSid: 'AC', callSid: 'CA' },
    });
  }

  closed(): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.CLOSED)
      return Promise.resolve({ code: -1, reason: 'already closed' });
    return new Promise((resolve) =>
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Waits until a message matching `predicate` has arrived. */
  async waitFor(
    predicate: (message: ReceivedMessage) => boolean,
    timeoutMs = 15_000,
  ): Promise<ReceivedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a message from the bridge');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
