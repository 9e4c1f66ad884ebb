import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export type RelayMode = 'forward' | 'blackhole' | 'refuse';

export interface TcpRelay {
  readonly port: number;
  /** `url` with its host and port replaced by the relay's. */
  via(url: string): string;
  /**
   * forward: pass bytes both ways. blackhole: a network partition — every
   * connection, old and new, stays open but nothing crosses it (no reset, no
   * FIN), until forwarding resumes and what was held back goes through.
   * refuse: the server is gone — open connections are reset, new ones refused.
   */
  set(mode: RelayMode): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP relay of the test's own in front of a server (the machine's shared
 * PostgreSQL), so a test can cut the network without touching the server.
 */
export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  let mode: RelayMode = 'forward';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  /** Pairs one end of which closed during a partition: the other end learns of it when it heals. */
  const cut = new Set<{ client: Socket; upstream: Socket }>();
  let server: Server = createServer(onConnection);
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;

  function onConnection(client: Socket) {
    const upstream = tcpConnect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    // One end closing reaches the other end only across a working network: during a partition the
    // other end goes on waiting, as a server does for a client whose FIN was lost.
    const drop = () => {
      if (mode === 'blackhole') {
        cut.add(pair);
        return;
      }
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => client.write(d));
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (mode === 'blackhole') hold(pair);
  }
  // Not reading is what a partition looks like from either end: bytes wait in the kernel's buffers.
  const hold = (p: { client: Socket; upstream: Socket }) => {
    p.client.pause();
    p.upstream.pause();
  };

  return {
    port,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async set(next) {
      if (next === mode) return;
      const previous = mode;
      mode = next;
      if (next === 'blackhole') for (const p of pairs) hold(p);
      if (next === 'refuse') {
        for (const p of pairs) {
          p.client.resetAndDestroy();
          p.upstream.destroy();
        }
        pairs.clear();
        cut.clear();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      if (next === 'forward') {
        if (previous === 'refuse') {
          server = createServer(onConnection);
          await listen(server, port);
        }
        for (const p of cut) {
          pairs.delete(p);
          p.client.destroy();
          p.upstream.destroy();
        }
        cut.clear();
        for (const p of pairs) {
          p.client.resume();
          p.upstream.resume();
        }
      }
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
