/**
 * Test-side helpers for the realtime model simulator: a certificate shared by
 * the suite, an `OpenAIRealtimeWS` wrapper that keeps every event it receives,
 * and a fetch that trusts the simulator's certificate for the chat client.
 */
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

import { FRAME_MS, readWavAsMulaw, splitFrames } from '../../simulators/audio.js';
import {
  startRealtimeSimulator,
  type RealtimeSimulator,
  type RealtimeSimulatorOptions,
  type ResponsePlan,
  type ScenarioFactory,
} from '../../simulators/realtime/index.js';
import { ensureSimulatorCertificate, type SimulatorCertificate } from '../../simulators/tls.js';

export const FIXTURE_PATH = 'test/fixtures/audio/OSR_us_000_0034_8k.wav';
export const TEST_API_KEY = 'sk-simulator-test';
const WAIT_TIMEOUT_MS = 5_000;

let certificate: Promise<SimulatorCertificate> | undefined;

/** One certificate per test process, in its own directory: parallel test files never race. */
export function loadCertificate(): Promise<SimulatorCertificate> {
  if (!certificate) {
    const directory = mkdtempSync(join(tmpdir(), 'realtime-sim-'));
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    certificate = ensureSimulatorCertificate(directory);
  }
  return certificate;
}

export async function startTestSimulator(
  options: Omit<RealtimeSimulatorOptions, 'tls'> = {},
): Promise<RealtimeSimulator> {
  const { key, cert } = await loadCertificate();
  return startRealtimeSimulator({ tls: { key, cert }, apiKey: TEST_API_KEY, ...options });
}

export function readFixtureFrames(): Buffer[] {
  return splitFrames(readWavAsMulaw(FIXTURE_PATH));
}

export function frameIndexAtMs(ms: number): number {
  return Math.floor(ms / FRAME_MS);
}

export class RealtimeTestClient {
  readonly events: RealtimeServerEvent[] = [];
  readonly closed: Promise<number>;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: OpenAIRealtimeWS) {
    socket.on('event', (event) => {
      this.events.push(event);
      for (const listener of this.listeners) listener();
    });
    // Errors arrive as events too; binding a handler keeps them from becoming rejections.
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.socket.on('close', (code) => resolve(code)));
  }

  /** Opens a connection; resolves once `session.created` arrived. */
  static async connect(
    simulator: RealtimeSimulator,
    options: { apiKey?: string; model?: string; handshakeTimeoutMs?: number } = {},
  ): Promise<RealtimeTestClient> {
    const client = await RealtimeTestClient.open(simulator, options);
    await client.waitFor('session.created');
    return client;
  }

  /** Opens a connection without waiting; for refused and hanging upgrades. */
  static async open(
    simulator: RealtimeSimulator,
    options: { apiKey?: string; model?: string; handshakeTimeoutMs?: number } = {},
  ): Promise<RealtimeTestClient> {
    const { cert } = await loadCertificate();
    const openai = new OpenAI({
      baseURL: simulator.baseUrl,
      apiKey: options.apiKey ?? TEST_API_KEY,
    });
    const socketOptions = { ca: cert, handshakeTimeout: options.handshakeTimeoutMs ?? 5_000 };
    const model = options.model ?? 'gpt-realtime';
    return new RealtimeTestClient(new OpenAIRealtimeWS({ model, options: socketOptions }, openai));
  }

  send(event: RealtimeClientEvent): void {
    this.socket.send(event);
  }

  /** Resolves with the first event, from `fromIndex` on, of this type that matches. */
  waitFor<T extends RealtimeServerEvent['type']>(
    type: T,
    matches: (event: Extract<RealtimeServerEvent, { type: T }>) => boolean = () => true,
    fromIndex = 0,
  ): Promise<Extract<RealtimeServerEvent, { type: T }>> {
    const isType = (
      event: RealtimeServerEvent,
    ): event is Extract<RealtimeServerEvent, { type: T }> => event.type === type;
    const find = () => this.events.slice(fromIndex).filter(isType).find(matches);
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`timed out waiting for ${type}; saw ${this.types().slice(-8).join(', ')}`),
        );
      }, WAIT_TIMEOUT_MS);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  ofType<T extends RealtimeServerEvent['type']>(
    type: T,
  ): Array<Extract<RealtimeServerEvent, { type: T }>> {
    return this.events.filter(
      (event): event is Extract<RealtimeServerEvent, { type: T }> => event.type === type,
    );
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  /** Appends 20 ms frames, one every `intervalMs` (faster than real time), until `stop` says so. */
  async appendFrames(
    frames: Buffer[],
    options: { intervalMs?: number; stop?: () => boolean } = {},
  ): Promise<number> {
    for (const [index, frame] of frames.entries()) {
      if (options.stop?.()) return index;
      this.send({ type: 'input_audio_buffer.append', audio: frame.toString('base64') });
      await delay(options.intervalMs ?? 1);
    }
    return frames.length;
  }

  close(): Promise<number> {
    this.socket.close();
    return this.closed;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls the simulator's records, which settle a moment after the client sees an event. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the simulator record');
    await delay(5);
  }
}

/**
 * A fetch over node:https that trusts the simulator's certificate. Node 20's
 * global fetch takes no CA option (that needs the `undici` package for a
 * dispatcher), and NODE_EXTRA_CA_CERTS is read only at process start.
 */
export function fetchTrusting(ca: string): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === 'string' ? init.body : undefined;
    return new Promise<Response>((resolve, reject) => {
      const request = httpsRequest(url, { method: init?.method ?? 'GET', headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') responseHeaders.set(name, value);
          }
          const status = res.statusCode ?? 500;
          resolve(new Response(Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  };
}

export const PCMU = { type: 'audio/pcmu' } as const;

export function pcmuSession(silenceDurationMs = 800) {
  return {
    type: 'realtime' as const,
    instructions: 'You are the StateSet demo agent.',
    audio: {
      input: {
        format: PCMU,
        turn_detection: {
          type: 'server_vad' as const,
          silence_duration_ms: silenceDurationMs,
          prefix_padding_ms: 300,
        },
        transcription: { model: 'gpt-4o-mini-transcribe' },
      },
      output: { format: PCMU, voice: 'marin' },
    },
  };
}

/** A scenario answering every client response.create with the same plan. */
export function answerEveryRequest(plan: ResponsePlan): ScenarioFactory {
  return (session) => session.onResponseRequested(() => plan);
}

export async function connectWithSession(simulator: RealtimeSimulator, silenceDurationMs = 800) {
  const client = await RealtimeTestClient.connect(simulator);
  client.send({ type: 'session.update', session: pcmuSession(silenceDurationMs) });
  await client.waitFor('session.updated');
  return client;
}
