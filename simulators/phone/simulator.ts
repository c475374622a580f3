/**
 * The phone simulator: a local stand-in for Twilio that the product's twilio
 * client talks to, and the far end of every call it places or receives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createCallRecord } from './call-record.js';
import { ConferenceRooms } from './dial.js';
import { CallSession, type CallUpdate } from './call-session.js';
import { createRestHandler } from './rest-api.js';
import type { CreateCallForm } from './rest-schemas.js';
import type { TwimlTiming } from './twiml-runner.js';
import type {
  InboundCallArgs,
  PartyBehaviour,
  PhoneSimulator,
  PhoneSimulatorOptions,
  SimulatedCall,
} from './types.js';

const HOST = '127.0.0.1';
/** Twilio's first callback follows its API answer; this keeps that order on loopback. */
const CALL_START_DELAY_MS = 20;
const DEFAULT_WAIT_MS = 30_000;
const WAIT_POLL_MS = 10;
const CLOSE_WAIT_MS = 5_000;

export async function startPhoneSimulator(options: PhoneSimulatorOptions): Promise<PhoneSimulator> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const parties = new Map(Object.entries(options.parties ?? {}));
  const defaultParty: PartyBehaviour = options.defaultParty ?? { answer: 'answer' };
  const timing: TwimlTiming = {
    sayMsPerCharacter: options.sayMsPerCharacter ?? 50,
    playMs: options.playMs ?? 1_000,
  };
  const sessions = new Map<string, CallSession>();
  const conferences = new ConferenceRooms();
  const partyFor = (number: string) => parties.get(number) ?? defaultParty;
  const calls = new Map<string, SimulatedCall>();

  function addSession(session: CallSession): void {
    sessions.set(session.call.sid, session);
    calls.set(session.call.sid, session.call);
  }

  function requireSession(callSid: string): CallSession {
    const session = sessions.get(callSid);
    if (!session) throw new Error(`unknown call ${callSid}`);
    return session;
  }

  function requireToken(accountSid: string): string {
    const token = options.accounts[accountSid];
    if (token === undefined) throw new Error(`unknown account ${accountSid}`);
    return token;
  }

  function createOutboundCall(accountSid: string, form: CreateCallForm): SimulatedCall {
    const call = createCallRecord({
      accountSid,
      direction: 'outbound-api',
      from: form.From,
      to: form.To,
      statusCallbackUrl: form.StatusCallback ?? null,
    });
    const session = new CallSession({
      call,
      authToken: requireToken(accountSid),
      party: parties.get(form.To) ?? defaultParty,
      statusCallback: form.StatusCallback
        ? {
            url: form.StatusCallback,
            method: form.StatusCallbackMethod,
            events: form.StatusCallbackEvent,
          }
        : null,
      machineDetection: form.MachineDetection
        ? {
            mode: form.MachineDetection,
            callback:
              form.AsyncAmd === 'true' && form.AsyncAmdStatusCallback
                ? { url: form.AsyncAmdStatusCallback, method: form.AsyncAmdStatusCallbackMethod }
                : null,
          }
        : null,
      ringTimeoutMs: form.Timeout * 1_000,
      twiml: form.Twiml
        ? { kind: 'inline', document: form.Twiml, origin: 'create' }
        : { kind: 'url', url: form.Url ?? '', method: form.Method, purpose: 'voice' },
      timing,
      logger: logger.child({ callSid: call.sid }),
      partyFor,
      conferences,
    });
    addSession(session);
    setTimeout(() => session.startOutbound(), CALL_START_DELAY_MS);
    return call;
  }

  async function placeInboundCall(args: InboundCallArgs): Promise<SimulatedCall> {
    const { accountSid, from, to, webhookUrl, statusCallbackUrl } = args;
    const call = createCallRecord({
      accountSid,
      direction: 'inbound',
      from,
      to,
      statusCallbackUrl: statusCallbackUrl ?? null,
    });
    const session = new CallSession({
      call,
      authToken: requireToken(accountSid),
      party: args.party ?? parties.get(from) ?? defaultParty,
      statusCallback: statusCallbackUrl
        ? { url: statusCallbackUrl, method: 'POST', events: args.statusCallbackEvents ?? [] }
        : null,
      machineDetection: null,
      ringTimeoutMs: 60_000,
      twiml: { kind: 'url', url: webhookUrl, method: 'POST', purpose: 'voice' },
      timing,
      logger: logger.child({ callSid: call.sid }),
      partyFor,
      conferences,
    });
    addSession(session);
    session.startInbound();
    await session.firstDocumentSettled;
    return call;
  }

  const server = createServer(
    createRestHandler({
      accounts: options.accounts,
      createCall: createOutboundCall,
      findCall: (accountSid, callSid) => {
        const call = calls.get(callSid);
        return call?.accountSid === accountSid ? call : undefined;
      },
      updateCall: (callSid: string, update: CallUpdate) => requireSession(callSid).update(update),
      logger,
    }),
  );
  const port = await listen(server, options.port ?? 0);

  return {
    apiBaseUrl: `http://localhost:${port}`,
    calls,
    setParty: (number, party) => void parties.set(number, party),
    placeInboundCall,
    pressDigits: (callSid, digits) => requireSession(callSid).pressDigits(digits),
    hangUp: async (callSid) => {
      const session = requireSession(callSid);
      session.hangUpByParty();
      await session.finished;
    },
    waitForCallEnd: async (callSid, timeoutMs = DEFAULT_WAIT_MS) => {
      const session = requireSession(callSid);
      await withTimeout(session.finished, timeoutMs, `call ${callSid} did not end`);
      return session.call;
    },
    waitForCall: (predicate, timeoutMs = DEFAULT_WAIT_MS) =>
      pollForCall(calls, predicate, timeoutMs),
    close: async () => {
      const live = [...sessions.values()].filter((session) => session.isLive);
      for (const session of live) session.hangUpByParty();
      const finished = Promise.all([...sessions.values()].map((session) => session.finished));
      await withTimeout(finished, CLOSE_WAIT_MS, 'calls did not finish').catch(() => undefined);
      await closeServer(server);
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function pollForCall(
  calls: ReadonlyMap<string, SimulatedCall>,
  predicate: (call: SimulatedCall) => boolean,
  timeoutMs: number,
): Promise<SimulatedCall> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const call of calls.values()) if (predicate(call)) return call;
    if (Date.now() >= deadline) throw new Error(`no call matched within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
