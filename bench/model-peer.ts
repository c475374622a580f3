/**
 * The model side of the benchmark: a TLS WebSocket server the bridge's real
 * `openai` client connects to. Each connection is paired with its call by the
 * call id in the session's instructions; it reads the stamps of the caller
 * audio it receives, speaks 100 ms of stamped agent audio every 100 ms (real
 * time), and now and then reports the caller speaking over the agent.
 */
import { createServer as createPlainServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';
import { readStamp, stampedPayload } from './frame-stamp.js';
import type { CallTraffic } from './traffic.js';

/** 100 ms of mu-law per agent audio delta, every 100 ms. */
const AGENT_CHUNK_BYTES = 800;
const AGENT_CHUNK_INTERVAL_MS = 100;
/** Each call's caller speaks over the agent this often. */
const BARGE_IN_INTERVAL_MS = 2_000;

interface ModelConnection {
  socket: WebSocket;
  call: CallTraffic | undefined;
  itemSequence: number;
  speakTimer?: NodeJS.Timeout;
  bargeInTimer?: NodeJS.Timeout;
}

export class ModelPeer {
  private readonly server: Server;
  /** The same server without TLS, to show what TLS to the model costs (--model-transport=plain). */
  private readonly plainServer = createPlainServer();
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<ModelConnection>();

  constructor(
    tls: { key: string; cert: string },
    private readonly callsById: Map<string, CallTraffic>,
  ) {
    this.server = createServer(tls);
    for (const server of [this.server, this.plainServer]) {
      server.on('upgrade', (request, socket, head) => {
        socket.on('error', () => socket.destroy());
        this.sockets.handleUpgrade(request, socket, head, (webSocket) => this.accept(webSocket));
      });
    }
  }

  /** Answers the TLS port and the plain port. */
  async listen(): Promise<{ tlsPort: number; plainPort: number }> {
    const listenOn = (server: NetServer) =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
      );
    return { tlsPort: await listenOn(this.server), plainPort: await listenOn(this.plainServer) };
  }

  /** Starts speaking on every paired connection, spread evenly across the interval. */
  startSpeaking(): void {
    const live = [...this.connections].filter((connection) => connection.call);
    live.forEach((connection, index) => {
      const offsetMs = (index * AGENT_CHUNK_INTERVAL_MS) / live.length;
      connection.speakTimer = setTimeout(() => this.speakEvery(connection), offsetMs);
      const bargeInOffsetMs = 500 + (index * BARGE_IN_INTERVAL_MS) / live.length;
      connection.bargeInTimer = setTimeout(() => this.bargeInEvery(connection), bargeInOffsetMs);
    });
  }

  stopSpeaking(): void {
    for (const connection of this.connections) stopTimers(connection);
  }

  close(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    this.plainServer.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    const connection: ModelConnection = { socket, call: undefined, itemSequence: 0 };
    this.connections.add(connection);
    socket.on('message', (data) => this.receive(connection, data.toString()));
    socket.on('close', () => {
      stopTimers(connection);
      this.connections.delete(connection);
    });
    socket.on('error', () => undefined);
    socket.send(JSON.stringify({ type: 'session.created', session: { type: 'realtime' } }));
  }

  private receive(connection: ModelConnection, text: string): void {
    const event = JSON.parse(text) as {
      type: string;
      audio?: string;
      session?: { instructions?: string };
    };
    if (event.type === 'input_audio_buffer.append' && event.audio) {
      const stamp = readStamp(event.audio);
      connection.call?.receiveCallerFrame(stamp, performance.now());
    } else if (event.type === 'session.update' && !connection.call) {
      const callId = /bench call (\S+)/.exec(event.session?.instructions ?? '')?.[1];
      const call = callId ? this.callsById.get(callId) : undefined;
      if (!call) return;
      connection.call = call;
      call.modelPaired();
    }
  }

  private speakEvery(connection: ModelConnection): void {
    const call = connection.call;
    if (!call || connection.socket.readyState !== connection.socket.OPEN) return;
    const sequence = call.nextAgentSequence();
    const delta = stampedPayload(AGENT_CHUNK_BYTES, call.index, sequence);
    const itemId = `item_${call.index}_${connection.itemSequence}`;
    connection.socket.send(
      JSON.stringify({ type: 'response.output_audio.delta', item_id: itemId, delta }),
    );
    connection.speakTimer = setTimeout(() => this.speakEvery(connection), AGENT_CHUNK_INTERVAL_MS);
  }

  /** The caller starts speaking: the model reports it and its next words are a new item. */
  private bargeInEvery(connection: ModelConnection): void {
    const call = connection.call;
    if (!call || connection.socket.readyState !== connection.socket.OPEN) return;
    connection.itemSequence += 1;
    call.speechStarted(performance.now());
    connection.socket.send(
      JSON.stringify({ type: 'input_audio_buffer.speech_started', audio_start_ms: 0 }),
    );
    connection.bargeInTimer = setTimeout(() => this.bargeInEvery(connection), BARGE_IN_INTERVAL_MS);
  }
}

function stopTimers(connection: ModelConnection): void {
  clearTimeout(connection.speakTimer);
  clearTimeout(connection.bargeInTimer);
}
