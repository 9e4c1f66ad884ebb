import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';

/** A listener that must see no connection: an XML attack that fetches something would reach it. */
export interface Canary {
  connections: number;
  received: string[];
  close(): Promise<void>;
}

/**
 * A TCP listener on the address the corpus' external URLs point at
 * (`http://127.0.0.1:9/canary/...`). Binding must succeed: a test that cannot
 * watch for fetches must fail, not pass unseen.
 */
export async function startCanary(port = 9): Promise<Canary> {
  const sockets = new Set<Socket>();
  const canary: Canary = {
    connections: 0,
    received: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((socket) => {
    canary.connections++;
    sockets.add(socket);
    socket.on('data', (d) => canary.received.push(d.toString('latin1').slice(0, 200)));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new Error(`cannot bind the canary on 127.0.0.1:${port}: ${(e as Error).message}`)),
    );
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
  // The watcher itself works: a connection of our own is seen, then forgotten.
  await new Promise<void>((resolve, reject) => {
    const probe = connect(port, '127.0.0.1', () => {
      probe.end();
      resolve();
    });
    probe.on('error', reject);
  });
  for (let i = 0; i < 50 && canary.connections === 0; i++) await settle(10);
  assert.equal(canary.connections, 1, 'the canary sees connections');
  canary.connections = 0;
  canary.received.length = 0;
  return canary;
}

/** Lets any late, asynchronous fetch reach the canary before it is checked. */
export const settle = (ms = 50) => new Promise<void>((r) => setTimeout(r, ms));
