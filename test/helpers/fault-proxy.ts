import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * forward: pass requests on. slow: hold each request this long, then pass it
 * on. fail: answer every request with this HTTP status, without passing it
 * on. hang: read the request, never answer (until `release`, or another mode cuts it). refuse: close every connection
 * at once, as a server that is gone.
 */
export type FaultMode =
  | { mode: 'forward' }
  | { mode: 'slow'; delayMs: number }
  | { mode: 'fail'; status: number }
  | { mode: 'hang' }
  | { mode: 'refuse' };

export interface FaultProxy {
  readonly url: string;
  set(mode: FaultMode): void;
  /** Passes the hanging requests on to the target, as if the register had been slow to take them. */
  release(): void;
  /** Where requests go from now on (a restarted register on another port). */
  retarget(url: string): void;
  /** Requests that reached the proxy, and those it passed on to the target. */
  readonly counts: { received: number; forwarded: number };
  close(): Promise<void>;
}

/** An HTTP proxy of the test's own in front of the reference register service, to make it slow, failing or gone. */
export async function startFaultProxy(initialTarget: string): Promise<FaultProxy> {
  let target = initialTarget;
  let fault: FaultMode = { mode: 'forward' };
  const counts = { received: 0, forwarded: 0 };
  /** Requests hanging, each with what passes it on. */
  const held = new Map<http.ServerResponse, () => void>();
  const server = http.createServer((req, res) => {
    counts.received++;
    const current = fault;
    if (current.mode === 'refuse') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (current.mode === 'fail') {
        res.writeHead(current.status, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: '/problems/INJECTED',
            title: 'injected',
            status: current.status,
            code: 'INJECTED',
          }),
        );
        return;
      }
      const pass = () => {
        counts.forwarded++;
        const upstream = http.request(
          new URL(req.url ?? '/', target),
          { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      };
      if (current.mode === 'hang') {
        held.set(res, pass);
        res.on('close', () => held.delete(res));
      } else if (current.mode === 'slow') setTimeout(pass, current.delayMs);
      else pass();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    retarget(url) {
      target = url;
    },
    set(mode) {
      fault = mode;
      if (mode.mode !== 'hang') for (const res of held.keys()) res.destroy();
    },
    release() {
      const waiting = [...held.values()];
      held.clear();
      for (const pass of waiting) pass();
    },
    async close() {
      for (const res of held.keys()) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
