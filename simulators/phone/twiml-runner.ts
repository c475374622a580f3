/**
 * Follows a call's TwiML as Twilio does: fetches documents with signed
 * requests, performs their verbs in order, follows `<Redirect>` and
 * `<Connect action>`, and lets a REST update replace the running document.
 */
import type { Logger } from 'pino';
import { buildCallParams } from './call-params.js';
import { logCallEvent, msSinceCreated } from './call-record.js';
import { performDial, type ConferenceRooms } from './dial.js';
import { createCallVoice, type CallVoice } from './call-voice.js';
import { MediaStreamConnection } from './media-stream.js';
import { sendSignedRequest } from './signed-request.js';
import { sleepUnlessAborted } from './time.js';
import { parseTwiml, type TwimlVerb } from './twiml.js';
import type { CallEndedBy, PartyBehaviour, SimulatedCall, WebhookPurpose } from './types.js';

export type TwimlSource =
  | { kind: 'inline'; document: string; origin: 'create' | 'update' }
  | {
      kind: 'url';
      url: string;
      method: 'GET' | 'POST';
      purpose: WebhookPurpose;
      /** Sent besides the call's own parameters (a `<Dial action>` gets DialCallStatus). */
      extraParams?: Record<string, string>;
    };

export interface TwimlTiming {
  sayMsPerCharacter: number;
  playMs: number;
}

/** What the runner needs from the call it runs in. */
export interface TwimlRunnerHost {
  call: SimulatedCall;
  authToken: string;
  party: PartyBehaviour;
  timing: TwimlTiming;
  logger: Logger;
  callEnded: AbortSignal;
  onDocumentLoaded(): void;
  endCall(endedBy: CallEndedBy): void;
  /** Who answers a `<Dial>` to this number. */
  partyFor(number: string): PartyBehaviour;
  conferences: ConferenceRooms;
}

interface LoadedDocument {
  verbs: TwimlVerb[];
  baseUrl: string | null;
}

type VerbsOutcome =
  | { kind: 'next'; source: TwimlSource }
  | { kind: 'end'; endedBy: CallEndedBy }
  | { kind: 'interrupted' };

export class TwimlRunner {
  activeStream: MediaStreamConnection | null = null;
  private documentControl: AbortController | null = null;
  private pendingRedirect: TwimlSource | null = null;
  private voice: CallVoice | null = null;

  constructor(private readonly host: TwimlRunnerHost) {}

  /** Resolves when the call has ended and its last stream has closed. */
  async run(initial: TwimlSource): Promise<void> {
    let source = initial;
    while (!this.host.callEnded.aborted) {
      const documentControl = new AbortController();
      this.documentControl = documentControl;
      const signal = AbortSignal.any([this.host.callEnded, documentControl.signal]);

      const loaded = await this.loadDocument(source, signal);
      if (loaded) this.host.onDocumentLoaded();
      const outcome: VerbsOutcome = loaded
        ? await this.executeVerbs(loaded, signal)
        : { kind: 'end', endedBy: 'error' };

      const redirect = this.pendingRedirect;
      this.pendingRedirect = null;
      if (this.host.callEnded.aborted) return;
      if (redirect) source = redirect;
      else if (outcome.kind === 'next') source = outcome.source;
      else if (outcome.kind === 'end') return this.host.endCall(outcome.endedBy);
      else return;
    }
  }

  /** Replaces the running document, as a REST update with Twiml or Url does. */
  redirect(source: TwimlSource): void {
    this.pendingRedirect = source;
    this.documentControl?.abort();
  }

  private async loadDocument(source: TwimlSource, signal: AbortSignal) {
    const { call } = this.host;
    if (source.kind === 'inline') {
      call.twimlDocuments.push({
        source: source.origin,
        document: source.document,
        atMs: msSinceCreated(call),
      });
      return this.parseDocument(source.document, null);
    }

    const response = await sendSignedRequest({
      url: source.url,
      method: source.method,
      params: { ...buildCallParams(call), ...source.extraParams },
      authToken: this.host.authToken,
      signal,
    });
    const { httpStatus, error } = response;
    const record = { purpose: source.purpose, url: source.url, method: source.method, httpStatus };
    call.webhooks.push({ ...record, atMs: msSinceCreated(call), ...(error ? { error } : {}) });
    if (signal.aborted) return null;
    if (httpStatus === null || httpStatus < 200 || httpStatus >= 300) {
      logCallEvent(call, 'webhook-failed', {
        purpose: source.purpose,
        httpStatus,
        error: error ?? null,
      });
      return null;
    }

    call.twimlDocuments.push({
      source: 'webhook',
      url: source.url,
      document: response.body,
      atMs: msSinceCreated(call),
    });
    return this.parseDocument(response.body, source.url);
  }

  private parseDocument(document: string, baseUrl: string | null): LoadedDocument | null {
    try {
      return { verbs: parseTwiml(document), baseUrl };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      logCallEvent(this.host.call, 'twiml-invalid', { reason });
      return null;
    }
  }

  private async executeVerbs(document: LoadedDocument, signal: AbortSignal): Promise<VerbsOutcome> {
    const { call, timing } = this.host;
    for (const verb of document.verbs) {
      if (signal.aborted) return { kind: 'interrupted' };
      logCallEvent(call, `twiml-${verb.verb.toLowerCase()}`);

      switch (verb.verb) {
        case 'Say':
          await sleepUnlessAborted(verb.text.length * timing.sayMsPerCharacter, signal);
          break;
        case 'Play':
          // loop="0" repeats until something else ends the call, as in Twilio.
          await sleepUnlessAborted(verb.loop === 0 ? Infinity : timing.playMs * verb.loop, signal);
          break;
        case 'Pause':
          await sleepUnlessAborted(verb.lengthSec * 1_000, signal);
          break;
        case 'Hangup':
          return { kind: 'end', endedBy: 'twiml' };
        case 'Redirect':
          return this.followUrl(verb.url, verb.method, 'redirect', document.baseUrl);
        case 'Connect':
          if (verb.stream) await this.runStream(verb.stream, signal);
          else this.recordIgnored('Connect', 'no <Stream>');
          if (verb.action && !signal.aborted) {
            return this.followUrl(verb.action, verb.method, 'connect-action', document.baseUrl);
          }
          break;
        case 'Dial': {
          const dialed = await performDial(this.host, verb, signal);
          if (verb.action && !signal.aborted) {
            const outcome = this.followUrl(
              verb.action,
              verb.method,
              'dial-action',
              document.baseUrl,
            );
            if (outcome.kind !== 'next' || outcome.source.kind !== 'url') return outcome;
            const extraParams: Record<string, string> = {
              DialCallStatus: dialed.status ?? 'failed',
              DialCallDuration: String(dialed.durationSec),
            };
            if (dialed.dialCallSid) extraParams.DialCallSid = dialed.dialCallSid;
            return { kind: 'next', source: { ...outcome.source, extraParams } };
          }
          break;
        }
        case 'Ignored':
          this.recordIgnored(verb.name, verb.detail);
          break;
      }
    }
    return signal.aborted ? { kind: 'interrupted' } : { kind: 'end', endedBy: 'twiml' };
  }

  private async runStream(
    verb: NonNullable<Extract<TwimlVerb, { verb: 'Connect' }>['stream']>,
    signal: AbortSignal,
  ) {
    // One voice for the call: a later stream (after a bridge failure) hears the party go on.
    this.voice ??= createCallVoice(this.host.party, {
      pressDigits: (digits) => this.activeStream?.sendDigits(digits),
      hangUp: () => this.activeStream?.hangUpOnce(),
    });
    const stream = new MediaStreamConnection({
      call: this.host.call,
      authToken: this.host.authToken,
      verb,
      party: this.host.party,
      voice: this.voice,
      logger: this.host.logger,
      onPartyHangup: () => this.host.endCall('party'),
    });
    this.activeStream = stream;
    logCallEvent(this.host.call, 'stream-connecting', { streamSid: stream.record.streamSid });
    await stream.run(signal);
    this.activeStream = null;
    const { upgradeStatus, endedBy, closeCode } = stream.record;
    logCallEvent(this.host.call, 'stream-ended', { upgradeStatus, endedBy, closeCode });
  }

  private followUrl(
    href: string,
    method: 'GET' | 'POST',
    purpose: WebhookPurpose,
    baseUrl: string | null,
  ): VerbsOutcome {
    try {
      const url = new URL(href, baseUrl ?? undefined).href;
      return { kind: 'next', source: { kind: 'url', url, method, purpose } };
    } catch {
      logCallEvent(this.host.call, 'twiml-invalid', { reason: `cannot resolve URL ${href}` });
      return { kind: 'end', endedBy: 'error' };
    }
  }

  private recordIgnored(verb: string, detail: string): void {
    this.host.call.ignoredVerbs.push({ verb, detail, atMs: msSinceCreated(this.host.call) });
  }
}
