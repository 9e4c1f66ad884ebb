import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendItems } from '../../src/cli/replay/sender';

/**
 * The replay's chunks are cut by count; the gateway limits bytes. A chunk the
 * gateway refuses as too large (413) is sent again in halves, so a replay
 * never stops for good at one chunk; an item too large by itself is refused
 * on its own, to be corrected and sent again like any refused item.
 */
describe('vtj-gateway replay: a chunk over the gateway body limit', () => {
  const LIMIT = 200;
  let server: Server;
  let url: string;
  const sizes: number[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        sizes.push(body.length);
        res.setHeader('content-type', 'application/problem+json');
        if (body.length > LIMIT) {
          res.statusCode = 413;
          res.end(JSON.stringify({ code: 'PAYLOAD_TOO_LARGE', detail: `the body is over ${LIMIT} bytes` }));
          return;
        }
        const { items } = JSON.parse(body) as { items: unknown[] };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ results: items.map((_, index) => ({ index, status: 201 })) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('sends the halves, down to single items, and refuses only the item too large by itself', async () => {
    const small = (i: number) =>
      JSON.stringify({ type: 'birth', notification: { notificationId: `n-${i}` } });
    const items = [
      small(0),
      small(1),
      small(2),
      JSON.stringify({ big: 'x'.repeat(LIMIT) }),
      small(4),
      small(5),
    ];
    const answers = await sendItems({ url, client: 'FI/GOV/1/x', retryForMs: 1000 }, items);
    assert.deepEqual(
      answers.map((a) => [a.index, a.status, a.problem?.code]),
      [
        [0, 201, undefined],
        [1, 201, undefined],
        [2, 201, undefined],
        [3, 413, 'PAYLOAD_TOO_LARGE'],
        [4, 201, undefined],
        [5, 201, undefined],
      ],
    );
    assert.ok(sizes.length > 1, 'the chunk was sent again in parts');
  });
});
