import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { birthInput } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';

/**
 * What a remote register answers is checked before it is recorded: an answer
 * the gateway could not stand by (a refusal code it does not know, a birth
 * registered without a code, a death with one) is a failed call, retried, and
 * the client is told its notification is still being processed — never a 500,
 * never a 201 without the child's code.
 */
type Result = Record<string, unknown>;

describe('answers of a remote register that the gateway cannot stand by', () => {
  let server: Server;
  let answer: (key: string) => Result;
  let h: Harness;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        const { registrations } = JSON.parse(body) as { registrations: { key: string }[] };
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            results: registrations.map((r) => ({ key: r.key, replayed: false, ...answer(r.key) })),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    h = await startHarness({
      env: { REGISTER_URL: `http://127.0.0.1:${port}`, REGISTER_BREAKER_VOLUME: '100' },
    });
    await seedStandard(h);
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const cases: [string, Result][] = [
    [
      'a refusal code the catalogue does not have',
      {
        status: 'rejected',
        childCode: null,
        rejection: { code: 'MOTHER_UNDER_GUARDIANSHIP', message: 'x', fieldErrors: [] },
      },
    ],
    [
      'a refusal without its field errors',
      { status: 'rejected', rejection: { code: 'PERSON_NOT_FOUND', message: 'x' } },
    ],
    ['a birth registered without a code', { status: 'registered', childCode: null }],
    ['a birth registered with a code that is not one', { status: 'registered', childCode: '131052-308X' }],
  ];
  for (const [what, result] of cases) {
    it(`${what}: 202, still being processed, nothing recorded`, async () => {
      answer = () => result;
      const body = birthInput();
      const res = await asClient(h, CLIENTS.rest).births(body).expect(202);
      assert.equal(res.body.status, 'pending', JSON.stringify(res.body));
      const status = await asClient(h, CLIENTS.rest)
        .status(body.notificationId as string)
        .expect(200);
      assert.equal(status.body.status, 'pending');
    });
  }
});
