/**
 * A hand-held TCP client for hostile-input tests: writes exactly the bytes it
 * is given, when it is told to, and records what comes back and when the
 * server closed the connection.
 */
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Settles when the server has closed (or reset) the connection, with the time it took. */
  closed: Promise<{ afterMs: number }>;
  write(data: string | Buffer): void;
  destroy(): void;
}

export function openRawConnection(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: hostname === 'localhost' ? '127.0.0.1' : hostname,
      port: Number(port),
    });
    const chunks: Buffer[] = [];
    const openedAt = Date.now();
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise<{ afterMs: number }>((done) =>
      socket.once('close', () => done({ afterMs: Date.now() - openedAt })),
    );
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks).toString('latin1'),
        closed,
        write: (data) => {
          if (!socket.destroyed) socket.write(data);
        },
        destroy: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** Collects garbage when the process runs with it exposed; heap figures are then comparable. */
export async function settledHeapBytes(): Promise<number> {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let round = 0; round < 3; round += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
