/**
 * A TCP load balancer in front of several media bridges, as in production:
 * Twilio connects to one public address and each new connection goes to the
 * next backend that accepts it. A killed backend drops its connections (the
 * calls on it see their stream close) and new ones go to the others.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpBalancer {
  port: number;
  /** Backend ports, tried in turn; change them at any time. */
  backends: number[];
  /** Which backend port each accepted connection went to, in order. */
  readonly routed: number[];
  close(): Promise<void>;
}

function pipeTogether(client: Socket, backend: Socket): void {
  client.pipe(backend);
  backend.pipe(client);
  client.on('error', () => backend.destroy());
  backend.on('error', () => client.destroy());
  client.on('close', () => backend.destroy());
  backend.on('close', () => client.destroy());
}

export async function startTcpBalancer(backends: number[] = []): Promise<TcpBalancer> {
  const sockets = new Set<Socket>();
  const routed: number[] = [];
  let next = 0;
  const balancer = { backends, routed } as TcpBalancer;

  // Tries each backend once from the next in turn; the client is dropped if none accepts.
  function route(client: Socket, tried = 0): void {
    const ports = balancer.backends;
    if (tried >= ports.length) return void client.destroy();
    const port = ports[next % ports.length] as number;
    next += 1;
    const backend = connect({ host: '127.0.0.1', port });
    sockets.add(backend);
    backend.once('close', () => sockets.delete(backend));
    backend.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && !client.destroyed) route(client, tried + 1);
    });
    backend.once('connect', () => {
      routed.push(port);
      backend.removeAllListeners('error');
      pipeTogether(client, backend);
    });
  }

  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    // Paused until piped to a backend, so nothing the client sends first is lost.
    route(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  balancer.port = (server.address() as AddressInfo).port;
  balancer.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return balancer;
}
