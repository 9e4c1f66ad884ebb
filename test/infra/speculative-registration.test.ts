import assert from 'node:assert/strict';
import type { Client } from '../../src/core/clients/client';
import { NotificationService, type SubmitResult } from '../../src/core/notifications/notification-service';
import type { RegisterGuard } from '../../src/core/ports';
import type { Database, TransactionQueryable } from '../../src/infra/pg/database';
import { createStore, type SpeculationOutcome } from '../../src/infra/pg/store';
import { PRODUCTION, SANDBOX } from '../core/notifications/world';
import { birthInput, deathInput, hetu } from '../helpers/builders';
import { fixedClock } from '../helpers/clock';
import { resetDb, sharedDb, usingRealPostgres } from '../helpers/test-db';

/**
 * Registering transactions of births that speculate (persons-sql.ts): one
 * statement where the locking way takes two, and the same answers as the
 * locking way whatever another instance did meanwhile. Each "instance" here
 * is a store and service of its own over the run's database (PostgreSQL with
 * DATABASE_URL, else PGlite), so each has its own view of the code series.
 */
const NOW = '2026-11-23T10:00:00.000Z';
const MOTHER = '131052-308T';
const MOTHER2 = '150590-302N';
const ELDERLY = '010150-123A';
const SANDBOX_MOTHER = '150590-9021';
const AT = '2026-11-20T14:32:00+02:00';
const passThrough: RegisterGuard = { run: (fn) => fn() };
const silent = { info() {}, warn() {}, error() {} };

interface Instance {
  service: NotificationService;
  outcomes: SpeculationOutcome[];
  /** Statements sent per registering transaction, in order. */
  statements: number[];
}

/** Counts the statements of each transaction on the way to the real database. */
function counting(real: Database, statements: number[]): Database {
  const counted = (tx: TransactionQueryable): TransactionQueryable => {
    const i = statements.push(0) - 1;
    const counting =
      <A extends unknown[], R>(run: (...args: A) => R) =>
      (...args: A): R => {
        statements[i] = (statements[i] ?? 0) + 1;
        return run(...args);
      };
    return {
      query: counting((text, params) => tx.query(text, params)),
      queryLast: counting((text, params) => tx.queryLast(text, params)),
      exec: counting((sql: string) => tx.exec(sql)),
    };
  };
  return {
    kind: real.kind,
    query: (text, params) => real.query(text, params),
    exec: (sql) => real.exec(sql),
    transaction: (fn, options) => real.transaction((tx) => fn(counted(tx)), options),
    close: () => real.close(),
  };
}

async function instance(speculationCoolDown?: number): Promise<Instance> {
  const outcomes: SpeculationOutcome[] = [];
  const statements: number[] = [];
  const store = createStore(counting(await sharedDb(), statements), {
    clock: fixedClock(NOW),
    clientCacheMs: 0,
    registerMode: 'embedded',
    onSpeculation: (o) => outcomes.push(o),
    speculationCoolDown,
  });
  const service = new NotificationService({
    store,
    clock: fixedClock(NOW),
    guard: passThrough,
    logger: silent,
  });
  return { service, outcomes, statements };
}

const born = (i: Instance, o: { mother?: string; sex?: 'male' | 'female'; client?: Client } = {}) =>
  i.service.submit(
    o.client ?? PRODUCTION,
    'rest',
    'birth',
    birthInput({ at: AT, sex: o.sex, mother: o.mother }),
  );
const codeOf = (r: SubmitResult) => r.record.childCode;
const refusal = (r: SubmitResult) => r.record.rejection?.code;

describe(`speculative registering transactions (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let a: Instance;
  let b: Instance;
  beforeEach(async () => {
    await resetDb();
    a = await instance();
    b = await instance();
    const person = (code: string, birthDate: string, sex: 'male' | 'female', temporary = false) => ({
      personalIdentityCode: code,
      birthDate,
      sex,
      temporary,
      deathDate: null,
    });
    const db = await sharedDb();
    await createStore(db, { clock: fixedClock(NOW), clientCacheMs: 0 }).loadPersons([
      person(MOTHER, '1952-10-13', 'female'),
      person(MOTHER2, '1990-05-15', 'female'),
      person(ELDERLY, '1950-01-01', 'male'),
      person(SANDBOX_MOTHER, '1990-05-15', 'female', true),
    ]);
  });

  it('a birth from a series the instance knows goes in one statement, and gets the next code', async () => {
    assert.equal(codeOf(await born(a)), hetu('201126', 'A', 2));
    assert.equal(codeOf(await born(a, { mother: MOTHER2 })), hetu('201126', 'A', 4));
    // The first locked (and created the series: three statements), the second speculated (one) and held.
    assert.deepEqual(a.statements, [3, 1]);
    assert.deepEqual(a.outcomes, ['held']);
  });

  it('a series another instance moved meanwhile undoes the speculation, and the birth gets the next free code', async () => {
    const codes: (string | null)[] = [];
    for (let i = 0; i < 6; i++) codes.push(codeOf(await born(i % 2 === 0 ? a : b)));
    assert.deepEqual(
      codes,
      [2, 4, 6, 8, 10, 12].map((n) => hetu('201126', 'A', n)),
    );
    // Each instance's second birth found the series where the other had left it.
    assert.deepEqual(a.outcomes, ['stale']);
    assert.deepEqual(b.outcomes, ['stale']);
    // A stale series is locked first for a while, on that instance only: a's third birth did not speculate.
    assert.equal(a.statements.at(-1), 2);
    const db = await sharedDb();
    const [row] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM persons WHERE mother_code IS NOT NULL',
    );
    assert.equal(row?.n, 6, 'each birth left one child, the undone attempts none');
  });

  it('a mother whose death another instance recorded meanwhile: refused as the locking way refuses, nothing moved', async () => {
    assert.equal(codeOf(await born(a, { mother: MOTHER2 })), hetu('201126', 'A', 2));
    const death = await b.service.submit(
      PRODUCTION,
      'rest',
      'death',
      deathInput({ person: MOTHER, date: '2026-11-19' }),
    );
    assert.equal(death.record.status, 'registered');
    const refused = await born(a);
    assert.equal(refusal(refused), 'DEATH_BEFORE_BIRTH');
    assert.deepEqual(a.outcomes, ['stale']);
    // The series did not move for the refused birth.
    assert.equal(codeOf(await born(b, { mother: MOTHER2 })), hetu('201126', 'A', 4));
  });

  it('a mother not in the register: PERSON_NOT_FOUND, as ever', async () => {
    await born(a);
    const refused = await born(a, { mother: hetu('010190', '-', 208) });
    assert.equal(refusal(refused), 'PERSON_NOT_FOUND');
    assert.deepEqual(a.outcomes, ['stale']);
    assert.equal(codeOf(await born(a, { mother: MOTHER2 })), hetu('201126', 'A', 4));
  });

  it('a batch with a death in it is decided the locking way, before anything is sent', async () => {
    await born(a);
    const [child, death] = await Promise.all([
      born(a, { mother: MOTHER2 }),
      a.service.submit(PRODUCTION, 'rest', 'death', deathInput({ person: ELDERLY })),
    ]);
    assert.equal(codeOf(child), hetu('201126', 'A', 4));
    assert.equal(death.record.status, 'registered');
    assert.deepEqual(a.outcomes, ['unsupported']);
    // The speculation given up sent nothing: the batch's one transaction that ran locked first.
    assert.deepEqual(a.statements.slice(1), [0, 3]);
  });

  it('a sandbox birth, whose mother must be a test person, is decided the locking way', async () => {
    assert.equal(
      codeOf(await born(a, { mother: SANDBOX_MOTHER, client: SANDBOX })),
      hetu('201126', 'A', 900),
    );
    assert.equal(
      codeOf(await born(a, { mother: SANDBOX_MOTHER, client: SANDBOX })),
      hetu('201126', 'A', 902),
    );
    assert.deepEqual(a.outcomes, ['unsupported']);
  });

  it('two instances speculating at every birth, births of one day in waves at both: every code distinct, none skipped', async function () {
    this.timeout(60_000);
    // No cool-down: every transaction that can speculate does, so that speculations meet, hold and go stale.
    a = await instance(0);
    b = await instance(0);
    const sexes: ('male' | 'female')[] = [];
    const codes: (string | null)[] = [];
    for (let wave = 0; wave < 15; wave++) {
      const batch = Array.from({ length: 20 }, (_, i): 'male' | 'female' =>
        i % 3 === 0 ? 'male' : 'female',
      );
      sexes.push(...batch);
      const results = await Promise.all(
        batch.map((sex, i) => born(i % 2 === 0 ? a : b, { sex, mother: i % 4 < 2 ? MOTHER : MOTHER2 })),
      );
      codes.push(...results.map(codeOf));
    }
    assert.equal(new Set(codes).size, codes.length, 'every code is distinct');
    const numbers = (sex: 'male' | 'female') =>
      codes
        .filter((_, i) => sexes[i] === sex)
        .map((c) => Number(c?.slice(7, 10)))
        .sort((x, y) => x - y);
    const girls = numbers('female');
    const boys = numbers('male');
    assert.deepEqual(
      girls,
      girls.map((_, i) => 2 + 2 * i),
    );
    assert.deepEqual(
      boys,
      boys.map((_, i) => 3 + 2 * i),
    );
    const outcomes = [...a.outcomes, ...b.outcomes];
    assert.ok(outcomes.includes('held'), `some transactions speculated and held (${outcomes.join(' ')})`);
  });
});
