import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { createServer } from '../../src/http/server';
import { CLIENTS, seedStandard, startHarness } from '../helpers/harness';

/**
 * Slow and idle clients cannot hold connections: headers, the whole request
 * and idle keep-alive time are each bounded (HTTP_* settings), and the
 * connection is closed within about a second of its bound — Node's own
 * defaults would keep it 60 to 300 s. The margins are for a loaded machine.
 */
const LIMITS = { headersMs: 1000, requestMs: 2000, keepAliveMs: 500, maxConnections: 1000 };

describe('slow, idle and silent clients are cut off at the configured bounds', function () {
  this.timeout(60_000);
  let server: Server;
  let port: number;
  before(async () => {
    const h = await startHarness();
    await seedStandard(h);
    server = createServer(h.gateway.app, undefined, LIMITS);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Opens a connection, writes `bytes`, and resolves with how long until the server closed it and what it said. */
  const heldFor = (bytes: string) =>
    new Promise<{ ms: number; said: string }>((resolve, reject) => {
      const started = Date.now();
      let said = '';
      const socket: Socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      socket.on('data', (d) => {
        said += d.toString('latin1');
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve({ ms: Date.now() - started, said }));
      setTimeout(() => {
        socket.destroy();
        reject(new Error(`still open after 20 s; said ${said.slice(0, 200)}`));
      }, 20_000);
    });

  it('closes a connection that never finishes its headers', async () => {
    const { ms } = await heldFor('POST /v1/births HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    assert.ok(ms < LIMITS.headersMs + 4000, `held ${ms} ms`);
  });

  it('closes a connection that sends nothing at all', async () => {
    const { ms } = await heldFor('');
    assert.ok(ms < LIMITS.headersMs + 4000, `held ${ms} ms`);
  });

  it('answers a body that stops coming with 408 and closes', async () => {
    const { ms, said } = await heldFor(
      `POST /v1/births HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${CLIENTS.rest}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"notif`,
    );
    assert.ok(ms < LIMITS.requestMs + 4000, `held ${ms} ms`);
    assert.match(said, /^HTTP\/1\.1 408/);
  });

  it('closes an idle kept-alive connection after its answer', async () => {
    const { ms, said } = await heldFor('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    assert.match(said, /^HTTP\/1\.1 200/);
    assert.ok(ms < LIMITS.keepAliveMs + 4000, `held ${ms} ms`);
  });

  for (const [what, path, type] of [
    ['REST', '/v1/births', 'application/json'],
    ['SOAP', '/soap/v2', 'text/xml; charset=utf-8'],
  ] as const) {
    it(`answers a too large ${what} body with 413 and closes, without reading the rest`, async () => {
      const total = 50 * 1024 * 1024;
      const result = await new Promise<{ written: number; said: string }>((resolve) => {
        let written = 0;
        let said = '';
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${CLIENTS.rest}\r\nContent-Type: ${type}\r\nContent-Length: ${total}\r\n\r\n`,
          );
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          const pump = () => {
            while (written < total && !socket.destroyed) {
              written += chunk.length;
              if (!socket.write(chunk)) return void socket.once('drain', pump);
            }
          };
          pump();
        });
        socket.on('data', (d) => {
          said += d.toString('latin1');
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve({ written, said }));
      });
      assert.match(result.said, /^HTTP\/1\.1 (413|500)/);
      assert.match(result.said, /Connection: close/i);
      assert.ok(result.written < total / 2, `${result.written} of ${total} bytes were taken in`);
    });
  }
});
