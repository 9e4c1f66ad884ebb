import assert from 'node:assert/strict';
import { formatHetu } from '../../src/core/hetu/hetu';
import { helsinkiDate } from '../../src/core/time/helsinki';
import type { Database } from '../../src/infra/pg/database';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { birth as birthBody, death as deathBody } from '../helpers/builders';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { postJson } from '../helpers/listen';
import { newTempDir, resetDb, sharedDb, usingRealPostgres } from '../helpers/test-db';

/**
 * Every acknowledged answer must be the outcome of some serial order of the
 * same notifications. Two gateway processes share the PostgreSQL database
 * (on the embedded store one process, which is all it allows), and each
 * scenario fires its notifications at both at the same moment, many rounds
 * over, because a race shows only now and then.
 */
const ROUNDS = 100;
const OPS_TOKEN = 'race-test-operator-token-0123';
const CLIENT = 'FI/GOV/0123456-7/race';

const DAY = 86_400_000;
const today = helsinkiDate(new Date());
const daysAgo = (n: number) => helsinkiDate(new Date(Date.parse(`${today}T12:00:00Z`) - n * DAY));
/** Noon UTC of a past day: the same Helsinki date, never in the future. */
const noonOf = (date: string) => `${date}T10:00:00Z`;

/** Persons of round r for scenario s: a birth date per round, an individual number per role. */
function person(scenario: number, r: number, role: number, sex: 'female' | 'male'): string {
  const birthDate = helsinkiDate(new Date(Date.parse('1960-01-01T12:00:00Z') + (r * 8 + scenario) * DAY));
  const n = 100 + role * 2 + (sex === 'male' ? 1 : 0);
  return formatHetu(birthDate, '-', n);
}

const death = (id: string, code: string, date: string) =>
  deathBody(
    {
      deceased: { personalIdentityCode: code },
      death: { date, dateAccuracy: 'exact', municipalityCode: '091' },
      // A minute ago: "noon of today" would be in the future before 10:00 UTC, and refused.
      determination: { physicianId: '123456789', determinedAt: new Date(Date.now() - 60_000).toISOString() },
    },
    id,
  ) as { notificationId: string; deceased: { personalIdentityCode: string }; death: { date: string } };

const birth = (id: string, mother: string, date: string, sex: 'female' | 'male' = 'female') =>
  birthBody(
    {
      child: { birthDateTime: noonOf(date), sex },
      birth: { municipalityCode: '091', liveBorn: true },
      mother: { personalIdentityCode: mother },
    },
    id,
  ) as {
    notificationId: string;
    child: { birthDateTime: string; sex: string };
    mother: { personalIdentityCode: string };
  };

type Sent = { kind: 'birth' | 'death'; body: ReturnType<typeof birth> | ReturnType<typeof death> };
type Answer = Sent & { status: number; code?: string; childCode?: string };

describe(`register races (${usingRealPostgres ? 'PostgreSQL, two gateway processes' : 'embedded, one gateway process'})`, function () {
  this.timeout(240_000);
  let gateways: GatewayProcess[] = [];
  let dataDir: string | undefined;

  /** Sends every notification at once, spread over the gateways in turn; the answers in the same order. */
  async function fire(sent: Sent[]): Promise<Answer[]> {
    return Promise.all(
      sent.map(async (s, i) => {
        const url = `${gateways[i % gateways.length]?.url}/v1/${s.kind === 'birth' ? 'births' : 'deaths'}`;
        const res = await postJson(url, s.body, { 'X-Road-Client': CLIENT });
        return {
          ...s,
          status: res.status,
          code: res.body.code,
          childCode: res.body.child?.personalIdentityCode,
        };
      }),
    );
  }

  const describeAnswers = (answers: Answer[]) =>
    answers.map((a) => `${a.body.notificationId} → ${a.status} ${a.code ?? ''}`).join('\n');

  before(async () => {
    const env: Record<string, string | undefined> = {
      OPS_TOKEN,
      CLIENT_CACHE_MS: '0',
      SEED_DEMO: 'false',
    };
    if (usingRealPostgres) {
      await resetDb();
      gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    } else {
      dataDir = newTempDir();
      gateways = [await startGatewayProcess({ ...env, DATA_DIR: dataDir, DATABASE_URL: undefined })];
    }
    const ops = (path: string, body: unknown) =>
      fetch(`${gateways[0]?.url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${OPS_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await ops('/ops/clients', {
      id: CLIENT,
      name: 'Race test',
      organisation: 'Test',
      kind: 'new',
      sandbox: false,
    });
    assert.equal(created.status, 201, await created.text());
    const persons: string[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      persons.push(
        person(1, r, 0, 'male'),
        person(2, r, 0, 'female'),
        person(3, r, 0, 'female'),
        person(5, r, 0, 'female'),
      );
      for (let k = 0; k < 8; k++) persons.push(person(4, r, k, 'female'));
    }
    const loaded = await ops(
      '/ops/register/persons',
      persons.map((p) => ({ personalIdentityCode: p })),
    );
    assert.equal(loaded.status, 200, await loaded.text());
  });

  after(async () => {
    await Promise.all(gateways.map((g) => g.kill('SIGTERM')));
    gateways = [];
  });

  /** The register as the database holds it, read after the rounds (the embedded one once its process is gone). */
  async function registerRows(
    codes: string[],
  ): Promise<Map<string, { birth_date: string; death_date: string | null }>> {
    let db: Database;
    if (usingRealPostgres) db = await sharedDb();
    else {
      await Promise.all(gateways.map((g) => g.kill('SIGTERM')));
      gateways = [];
      db = await createPgliteDatabase(dataDir as string);
    }
    try {
      const rows = await db.query<{
        personal_identity_code: string;
        birth_date: string;
        death_date: string | null;
      }>(
        'SELECT personal_identity_code, birth_date, death_date FROM persons WHERE personal_identity_code = ANY($1::text[])',
        [codes],
      );
      return new Map(rows.map((r) => [r.personal_identity_code, r]));
    } finally {
      if (!usingRealPostgres) await db.close();
    }
  }

  const allAnswers: Answer[][] = [];

  it('registers one death of a person however many arrive at once: one 201, every other ALREADY_DECEASED', async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const code = person(1, r, 0, 'male');
      const sent: Sent[] = Array.from({ length: 6 }, (_, k) => ({
        kind: 'death',
        body: death(`race1-${r}-${k}`, code, daysAgo(1 + k)),
      }));
      const answers = await fire(sent);
      const registered = answers.filter((a) => a.status === 201);
      assert.equal(
        registered.length,
        1,
        `round ${r}: exactly one death registered\n${describeAnswers(answers)}`,
      );
      for (const a of answers.filter((x) => x.status !== 201)) {
        assert.deepEqual([a.status, a.code], [409, 'ALREADY_DECEASED'], describeAnswers(answers));
      }
      allAnswers.push(answers);
    }
  });

  it("never registers both a mother's death and a birth dated after it, sent at the same moment", async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const mother = person(2, r, 0, 'female');
      const deathDate = daysAgo(20);
      const sent: Sent[] = [
        ...Array.from({ length: 4 }, (_, k) => ({
          kind: 'birth' as const,
          body: birth(`race2-${r}-b${k}`, mother, daysAgo(19 - k)),
        })),
        { kind: 'death', body: death(`race2-${r}-d`, mother, deathDate) },
      ];
      // Whose request leaves first changes from round to round.
      const answers = await fire(r % 2 === 0 ? sent : [...sent].reverse());
      const deathAnswer = answers.find((a) => a.kind === 'death');
      const births = answers.filter((a) => a.kind === 'birth');
      for (const a of answers) assert.ok([201, 409].includes(a.status), describeAnswers(answers));
      if (deathAnswer?.status === 201) {
        for (const b of births)
          assert.deepEqual([b.status, b.code], [409, 'DEATH_BEFORE_BIRTH'], describeAnswers(answers));
      } else {
        assert.equal(deathAnswer?.code, 'DEATH_BEFORE_BIRTH', describeAnswers(answers));
        assert.ok(
          births.some((b) => b.status === 201),
          describeAnswers(answers),
        );
      }
      allAnswers.push(answers);
    }
  });

  it('never registers both a birth and a death of the mother dated before it: exactly one of them', async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const mother = person(3, r, 0, 'female');
      const sent: Sent[] = [
        { kind: 'birth', body: birth(`race3-${r}-b`, mother, daysAgo(5)) },
        ...Array.from({ length: 3 }, (_, k) => ({
          kind: 'death' as const,
          body: death(`race3-${r}-d${k}`, mother, daysAgo(6 + k)),
        })),
      ];
      const answers = await fire(r % 2 === 0 ? sent : [...sent].reverse());
      const registered = answers.filter((a) => a.status === 201);
      assert.equal(registered.length, 1, `round ${r}: exactly one registered\n${describeAnswers(answers)}`);
      const expected =
        registered[0]?.kind === 'birth' ? ['DEATH_BEFORE_BIRTH'] : ['DEATH_BEFORE_BIRTH', 'ALREADY_DECEASED'];
      for (const a of answers.filter((x) => x.status !== 201)) {
        assert.equal(a.status, 409, describeAnswers(answers));
        assert.ok(expected.includes(a.code as string), describeAnswers(answers));
      }
      allAnswers.push(answers);
    }
  });

  it("gives simultaneous births of one day distinct codes from the series' lowest numbers, with no gaps", async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const day = daysAgo(40 + r);
      const sent: Sent[] = Array.from({ length: 8 }, (_, k) => ({
        kind: 'birth',
        body: birth(`race4-${r}-${k}`, person(4, r, k, 'female'), day, k % 2 === 0 ? 'female' : 'male'),
      }));
      const answers = await fire(sent);
      assert.deepEqual(
        answers.map((a) => a.status),
        answers.map(() => 201),
        describeAnswers(answers),
      );
      const numbers = (sex: string) =>
        answers
          .filter((a) => (a.body as ReturnType<typeof birth>).child.sex === sex)
          .map((a) => Number(a.childCode?.slice(7, 10)))
          .sort((x, y) => x - y);
      assert.deepEqual(numbers('female'), [2, 4, 6, 8], `round ${r}`);
      assert.deepEqual(numbers('male'), [3, 5, 7, 9], `round ${r}`);
      allAnswers.push(answers);
    }
  });

  it("never registers a child's death dated before its birth, sent while the birth is being registered", async () => {
    for (let r = 0; r < ROUNDS; r++) {
      // A fresh day each round, so the child's code is known in advance: the day's first girl gets 002.
      const day = daysAgo(150 + r);
      const child = formatHetu(day, 'A', 2);
      const sent: Sent[] = [
        { kind: 'birth', body: birth(`race5-${r}-b`, person(5, r, 0, 'female'), day) },
        ...Array.from({ length: 3 }, (_, k) => ({
          kind: 'death' as const,
          body: death(`race5-${r}-d${k}`, child, daysAgo(151 + r + k)),
        })),
      ];
      const answers = await fire(r % 2 === 0 ? sent : [...sent].reverse());
      const born = answers.find((a) => a.kind === 'birth');
      assert.deepEqual([born?.status, born?.childCode], [201, child], describeAnswers(answers));
      for (const d of answers.filter((a) => a.kind === 'death')) {
        assert.ok(
          (d.status === 422 && d.code === 'PERSON_NOT_FOUND') ||
            (d.status === 409 && d.code === 'DEATH_BEFORE_BIRTH'),
          describeAnswers(answers),
        );
      }
      allAnswers.push(answers);
    }
  });

  it('raced speculative registering transactions too: each gateway had births that speculated and held', async () => {
    for (const g of gateways) {
      const metrics = await (await fetch(`${g.url}/metrics`)).text();
      const count = (outcome: string) =>
        Number(
          new RegExp(`vtj_speculative_transactions_total\\{outcome="${outcome}"\\} (\\d+)`).exec(
            metrics,
          )?.[1],
        );
      assert.ok(count('held') > 0, `speculated and held: ${count('held')}, stale: ${count('stale')}`);
    }
  });

  it('holds in the register exactly what was acknowledged: the registered death dates and every child', async () => {
    const codes = new Set<string>();
    for (const answers of allAnswers)
      for (const a of answers) {
        if (a.kind === 'death') codes.add((a.body as ReturnType<typeof death>).deceased.personalIdentityCode);
        else {
          codes.add((a.body as ReturnType<typeof birth>).mother.personalIdentityCode);
          if (a.childCode) codes.add(a.childCode);
        }
      }
    assert.ok(allAnswers.length >= 5 * ROUNDS, 'every scenario ran');
    const rows = await registerRows([...codes]);
    for (const answers of allAnswers) {
      const deaths = answers.filter((a) => a.kind === 'death');
      const deceased =
        deaths[0] && (deaths[0].body as ReturnType<typeof death>).deceased.personalIdentityCode;
      if (deceased) {
        const registered = deaths.find((a) => a.status === 201);
        assert.equal(
          rows.get(deceased)?.death_date ?? null,
          registered ? (registered.body as ReturnType<typeof death>).death.date : null,
          `the register holds the acknowledged death date\n${describeAnswers(answers)}`,
        );
      }
      for (const b of answers.filter((a) => a.kind === 'birth' && a.status === 201)) {
        const child = rows.get(b.childCode as string);
        assert.equal(
          child?.birth_date,
          (b.body as ReturnType<typeof birth>).child.birthDateTime.slice(0, 10),
        );
      }
    }
  });
});
