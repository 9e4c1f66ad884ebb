import assert from 'node:assert/strict';
import { parseHetu } from '../../src/core/hetu/hetu';
import { birth } from '../helpers/builders';
import { CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';
import { listen, postJson } from '../helpers/listen';
import { openTestDatabase, usingRealPostgres } from '../helpers/test-db';

/**
 * Two gateway instances share one database, each with its own connection
 * pool (on PostgreSQL; on PGlite they share the embedded instance), and
 * clients hammer both at once.
 */
describe(`concurrency across two gateway instances (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let a: Harness;
  let b: Harness;
  let servers: { url: string; close: () => Promise<void> }[] = [];
  let ownDb: Awaited<ReturnType<typeof openTestDatabase>> | undefined;

  beforeEach(async () => {
    a = await startHarness();
    await seedStandard(a);
    ownDb = usingRealPostgres ? await openTestDatabase() : undefined;
    b = await startHarness({ db: ownDb ?? a.db });
    servers = [await listen(a.gateway.app), await listen(b.gateway.app)];
  });
  afterEach(async () => {
    for (const s of servers) await s.close();
    await ownDb?.close();
  });

  it('gives 200 simultaneous births on one day 200 distinct, correct codes', async () => {
    const sexes = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 'male' : 'female'));
    const results = await Promise.all(
      sexes.map((sex, i) =>
        postJson(
          `${servers[i % 2]?.url}/v1/births`,
          birth({ child: { birthDateTime: '2026-11-20T08:00:00+02:00', sex } }, `conc-${i}`),
          { 'X-Road-Client': CLIENTS.rest },
        ),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      sexes.map(() => 201),
    );
    const codes = results.map((r) => r.body.child.personalIdentityCode as string);
    assert.equal(new Set(codes).size, 200, 'every code is distinct');
    codes.forEach((code, i) => {
      const parsed = parseHetu(code);
      assert.ok(parsed.ok, `${code} is a valid code`);
      assert.equal(parsed.hetu.birthDate, '2026-11-20');
      assert.equal(parsed.hetu.separator, 'A');
      assert.equal(parsed.hetu.sex, sexes[i]);
      assert.ok(parsed.hetu.individualNumber >= 2 && parsed.hetu.individualNumber <= 899);
    });
    // No gaps: the series hands out the lowest numbers first.
    const males = codes.filter((_, i) => sexes[i] === 'male').map((c) => Number(c.slice(7, 10)));
    assert.deepEqual(
      males.sort((x, y) => x - y),
      Array.from({ length: males.length }, (_, i) => 3 + 2 * i),
    );
  });

  it('turns 40 concurrent retries of one notification into one registration and one code', async () => {
    const body = birth({}, 'retry-storm');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        postJson(`${servers[i % 2]?.url}/v1/births`, body, { 'X-Road-Client': CLIENTS.rest }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      results.map(() => 201),
    );
    const codes = new Set(results.map((r) => r.body.child.personalIdentityCode));
    assert.equal(codes.size, 1);
    assert.equal(results.filter((r) => r.headers.get('idempotent-replayed') !== 'true').length, 1);
    const rows = await a.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM persons WHERE birth_date = '2026-11-20'",
    );
    assert.equal(rows[0]?.n, 1, 'exactly one child in the register');
  });
});
