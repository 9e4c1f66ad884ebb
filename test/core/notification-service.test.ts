import assert from 'node:assert/strict';
import type { Channel, Client } from '../../src/core/clients/client';
import { type DomainError, isDomainError } from '../../src/core/errors';
import { parseHetu } from '../../src/core/hetu/hetu';
import { validateBirth } from '../../src/core/notifications/birth';
import { fingerprint } from '../../src/core/notifications/fingerprint';
import type {
  NewNotification,
  NotificationStatus,
  StoredNotification,
} from '../../src/core/notifications/notification';
import {
  NotificationService,
  rejectionError,
  type SubmitResult,
} from '../../src/core/notifications/notification-service';
import type { Logger, RegisterGuard, Transaction } from '../../src/core/ports';
import type { CodeSeriesKey } from '../../src/core/register/person';
import { fixedClock, type TestClock } from '../helpers/clock';
import { deadlock, MAX_ATTEMPTS, MemoryStore, pgError } from './fakes/memory-store';
import { type Json, withChanges } from './validation-helpers';

const NOW = '2026-11-23T10:00:00.000Z';

const MOTHER = '131052-308T'; // 1952-10-13, permanent
const MOTHER2 = '150590-302N'; // 1990-05-15, permanent
const ELDERLY = '010150-123A'; // 1950-01-01, male, permanent
const DECEASED_MOTHER = '020290-322H'; // 1990-02-02, died 2026-11-01
const SANDBOX_MOTHER = '150590-9021'; // 1990-05-15, temporary (902)
const NEWBORN = '201126A002J'; // born 2026-11-20

// Independent check-character arithmetic (BigInt), so the expected codes do not come from src.
const CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';
function hetu(ddmmyy: string, sign: string, n: number): string {
  const nnn = String(n).padStart(3, '0');
  return `${ddmmyy}${sign}${nnn}${CHECK.charAt(Number(BigInt(`${ddmmyy}${nnn}`) % 31n))}`;
}

function client(id: string, sandbox: boolean): Client {
  return {
    id,
    name: id.split('/')[3] ?? id,
    organisation: 'Demo HVA',
    kind: 'existing',
    sandbox,
    certificateFingerprints: [],
    exceptions: [],
    createdAt: new Date('2024-01-01T00:00:00Z'),
    updatedAt: new Date('2024-01-01T00:00:00Z'),
  };
}

const PRODUCTION = client('FI/GOV/0123456-7/synnytys', false);
const OTHER = client('FI/GOV/7654321-0/toinen', false);
const SANDBOX = client('FI-TEST/GOV/0123456-7/testi', true);

/** A guard that passes calls through, or fails them at once with a plain Error while `down`. */
class SwitchGuard implements RegisterGuard {
  down = false;
  calls = 0;
  /** While set, a call waits for it first: a register call in flight, holding its batch. */
  hold: Promise<void> | undefined;
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.calls += 1;
    if (this.hold) await this.hold;
    if (this.down) throw new Error('circuit open: register unavailable');
    return fn();
  }
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Lets the event loop take one turn. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg: string;
}

/** Silent, but keeps what was logged so tests can look. */
function recordingLogger(entries: LogEntry[]): Logger {
  return {
    info: (fields, msg) => void entries.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => void entries.push({ level: 'warn', fields, msg }),
    error: (fields, msg) => void entries.push({ level: 'error', fields, msg }),
  };
}

interface World {
  store: MemoryStore;
  clock: TestClock;
  guard: SwitchGuard;
  logs: LogEntry[];
  service: NotificationService;
}

async function world(): Promise<World> {
  const store = new MemoryStore();
  await store.loadPersons([
    {
      personalIdentityCode: MOTHER,
      birthDate: '1952-10-13',
      sex: 'female',
      temporary: false,
      deathDate: null,
    },
    {
      personalIdentityCode: MOTHER2,
      birthDate: '1990-05-15',
      sex: 'female',
      temporary: false,
      deathDate: null,
    },
    {
      personalIdentityCode: ELDERLY,
      birthDate: '1950-01-01',
      sex: 'male',
      temporary: false,
      deathDate: null,
    },
    {
      personalIdentityCode: DECEASED_MOTHER,
      birthDate: '1990-02-02',
      sex: 'female',
      temporary: false,
      deathDate: '2026-11-01',
    },
    {
      personalIdentityCode: SANDBOX_MOTHER,
      birthDate: '1990-05-15',
      sex: 'female',
      temporary: true,
      deathDate: null,
    },
    {
      personalIdentityCode: NEWBORN,
      birthDate: '2026-11-20',
      sex: 'female',
      temporary: false,
      deathDate: null,
    },
  ]);
  const clock = fixedClock(NOW);
  const guard = new SwitchGuard();
  const logs: LogEntry[] = [];
  const service = new NotificationService({ store, clock, guard, logger: recordingLogger(logs) });
  return { store, clock, guard, logs, service };
}

let seq = 0;
function nextId(prefix: string): string {
  seq += 1;
  return `${prefix}-2026-${String(seq).padStart(6, '0')}`;
}

interface BirthOptions {
  id?: string;
  at?: string;
  sex?: 'male' | 'female';
  mother?: string;
}

/** Default: born 2026-11-20T23:30Z = 01:30 on 21 November in Helsinki. */
function birth(o: BirthOptions = {}): Json {
  return {
    notificationId: o.id ?? nextId('synnytys'),
    child: { birthDateTime: o.at ?? '2026-11-20T23:30:00Z', sex: o.sex ?? 'female', birthWeightGrams: 3480 },
    birth: { municipalityCode: '091', liveBorn: true },
    mother: { personalIdentityCode: o.mother ?? MOTHER },
  };
}

interface DeathOptions {
  id?: string;
  person?: string;
  date?: string;
  accuracy?: 'exact' | 'estimated';
  determinedAt?: string;
}

function death(o: DeathOptions = {}): Json {
  return {
    notificationId: o.id ?? nextId('kuolema'),
    deceased: { personalIdentityCode: o.person ?? ELDERLY },
    death: { date: o.date ?? '2026-11-19', dateAccuracy: o.accuracy ?? 'exact', municipalityCode: '091' },
    determination: { physicianId: '123456789', determinedAt: o.determinedAt ?? '2026-11-19T15:00:00+02:00' },
  };
}

async function submitBirth(w: World, input: Json, c = PRODUCTION, channel: Channel = 'rest') {
  return w.service.submit(c, channel, 'birth', input);
}

async function submitDeath(w: World, input: Json, c = PRODUCTION, channel: Channel = 'rest') {
  return w.service.submit(c, channel, 'death', input);
}

/**
 * The statements (round trips) the store was sent, as `op(rows)`, e.g. `claimPersons(3)`, and
 * `insertMany(2) carrying saveCodeSeries(1)` for held-back writes sent along with the insert.
 */
function statements(store: MemoryStore): string[] {
  const show = (s: { op: string; rows: number }) => `${s.op}(${s.rows})`;
  return store.statements.map((s) =>
    s.carrying ? `${show(s)} carrying ${s.carrying.map(show).join(', ')}` : show(s),
  );
}

/** How many notifications each batch transaction tried to store. */
function batchSizes(store: MemoryStore): number[] {
  return store.statements.filter((s) => s.op === 'insertMany').map((s) => s.rows);
}

async function registeredCode(w: World, input: Json, c = PRODUCTION): Promise<string> {
  const { record } = await submitBirth(w, input, c);
  assert.equal(record.status, 'registered', JSON.stringify(record.rejection));
  assert.ok(record.childCode, 'a registered birth has a child code');
  return record.childCode;
}

async function rejectedWith(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (e) {
    if (isDomainError(e)) return e;
    throw e;
  }
  return assert.fail('expected a DomainError');
}

function assertRejected(record: StoredNotification, code: string, field: string): void {
  assert.equal(record.status, 'rejected');
  assert.equal(record.childCode, null);
  assert.equal(record.registeredAt, null);
  assert.equal(record.rejection?.code, code);
  assert.deepEqual(
    record.rejection?.fieldErrors.map((f) => [f.field, f.code]),
    [[field, code]],
  );
}

function assertNoCodesIn(text: string, ...codes: string[]): void {
  for (const c of codes) assert.ok(!text.includes(c) && !text.includes(c.slice(0, 6)), `${text} leaks ${c}`);
}

const FEMALE_21: CodeSeriesKey = { birthDate: '2026-11-21', pool: 'permanent', parity: 0 };
const MALE_21: CodeSeriesKey = { birthDate: '2026-11-21', pool: 'permanent', parity: 1 };

describe('NotificationService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  describe('births', () => {
    it('registers a birth and assigns a code dated on the Helsinki birth date', async () => {
      const input = birth();
      const { record, replayed } = await submitBirth(w, input);
      assert.equal(replayed, false);
      assert.equal(record.status, 'registered');
      assert.equal(record.childCode, hetu('211126', 'A', 2));
      assert.equal(record.clientId, PRODUCTION.id);
      assert.equal(record.notificationId, input.notificationId);
      assert.equal(record.kind, 'birth');
      assert.equal(record.channel, 'rest');
      assert.equal(record.sandbox, false);
      assert.equal(record.rejection, null);
      assert.equal(record.receivedAt.toISOString(), NOW);
      assert.equal(record.registeredAt?.toISOString(), NOW);
      assert.equal(record.updatedAt.toISOString(), NOW);

      const parsed = parseHetu(record.childCode ?? '');
      if (!parsed.ok) assert.fail(`the child code does not parse: ${parsed.code}`);
      assert.equal(parsed.hetu.birthDate, '2026-11-21');
      assert.equal(parsed.hetu.separator, 'A');
      assert.equal(parsed.hetu.sex, 'female');
      assert.equal(parsed.hetu.temporary, false);

      assert.deepEqual(w.store.person(hetu('211126', 'A', 2)), {
        personalIdentityCode: hetu('211126', 'A', 2),
        birthDate: '2026-11-21',
        sex: 'female',
        temporary: false,
        deathDate: null,
        deathDateLatest: null,
      });
    });

    it('gives a male child an odd individual number', async () => {
      const code = await registeredCode(w, birth({ sex: 'male' }));
      assert.equal(code, hetu('211126', 'A', 3));
      const parsed = parseHetu(code);
      assert.ok(parsed.ok && parsed.hetu.sex === 'male' && parsed.hetu.individualNumber % 2 === 1);
    });

    it('uses the Helsinki date in summer time too (+03:00)', async () => {
      // 2026-06-30T21:30Z is 00:30 on 1 July in Helsinki
      const code = await registeredCode(w, birth({ at: '2026-06-30T21:30:00Z' }));
      assert.equal(code, hetu('010726', 'A', 2));
    });

    it('numbers consecutive births of a day 002, 004, … (female) and 003, 005, … (male)', async () => {
      const codes: string[] = [];
      for (const sex of ['female', 'male', 'female', 'female', 'male'] as const) {
        codes.push(await registeredCode(w, birth({ sex })));
      }
      assert.deepEqual(codes, [
        hetu('211126', 'A', 2),
        hetu('211126', 'A', 3),
        hetu('211126', 'A', 4),
        hetu('211126', 'A', 6),
        hetu('211126', 'A', 5),
      ]);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
      assert.deepEqual(w.store.codeSeries(MALE_21), { signIndex: 0, number: 5 });
    });

    it('starts each day afresh', async () => {
      assert.equal(
        await registeredCode(w, birth({ at: '2026-11-21T10:00:00+02:00' })),
        hetu('211126', 'A', 2),
      );
      assert.equal(
        await registeredCode(w, birth({ at: '2026-11-21T20:00:00+02:00' })),
        hetu('211126', 'A', 4),
      );
      assert.equal(
        await registeredCode(w, birth({ at: '2026-11-22T10:00:00+02:00' })),
        hetu('221126', 'A', 2),
      );
      assert.deepEqual(w.store.codeSeries({ ...FEMALE_21, birthDate: '2026-11-22' }), {
        signIndex: 0,
        number: 2,
      });
    });

    it('skips the number of the newborn already in the register', async () => {
      // NEWBORN (201126A002J) was loaded as a test person
      const code = await registeredCode(w, birth({ at: '2026-11-20T10:00:00+02:00' }));
      assert.equal(code, hetu('201126', 'A', 4));
    });

    it('skips every taken code in a row and records the number it used', async () => {
      await w.store.loadPersons(
        [2, 4, 6].map((n) => ({
          personalIdentityCode: hetu('211126', 'A', n),
          birthDate: '2026-11-21',
          sex: 'female' as const,
          temporary: false,
          deathDate: null,
        })),
      );
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'A', 8));
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 8 });
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'A', 10));
    });

    it('moves to sign B once the A series of the day is used up (female)', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 0, number: 898 });
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'B', 2));
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'B', 4));
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 1, number: 4 });
      const parsed = parseHetu(hetu('211126', 'B', 2));
      assert.ok(parsed.ok && parsed.hetu.birthDate === '2026-11-21');
    });

    it('uses 899 for a boy before moving to B003', async () => {
      w.store.seedCodeSeries(MALE_21, { signIndex: 0, number: 897 });
      assert.equal(await registeredCode(w, birth({ sex: 'male' })), hetu('211126', 'A', 899));
      assert.equal(await registeredCode(w, birth({ sex: 'male' })), hetu('211126', 'B', 3));
    });

    it('moves from E to F, and skips a taken code under the new sign', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 4, number: 898 });
      await w.store.loadPersons([
        {
          personalIdentityCode: hetu('211126', 'F', 2),
          birthDate: '2026-11-21',
          sex: 'female',
          temporary: false,
          deathDate: null,
        },
      ]);
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'F', 4));
    });

    it('rejects with IDENTITY_CODES_EXHAUSTED when every sign of the day is used up', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 896 });
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'F', 898));
      const persons = w.store.personCount();
      const { record } = await submitBirth(w, birth());
      assert.equal(record.status, 'rejected');
      assert.equal(record.childCode, null);
      assert.equal(record.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(w.store.personCount(), persons);
      // and stays used up
      const { record: again } = await submitBirth(w, birth());
      assert.equal(again.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(w.store.personCount(), persons);
      // boys of the same day are unaffected
      assert.equal(await registeredCode(w, birth({ sex: 'male' })), hetu('211126', 'A', 3));
    });

    it('leaves the series at the last code handed out when a birth finds it used up', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 898 });
      const { record } = await submitBirth(w, birth());
      assert.equal(record.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      // code_series holds "the last individual number handed out" (001_initial.sql); F898 was the last
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 5, number: 898 });
    });

    it('gives a sandbox client’s newborns 900-range codes in a series of their own', async () => {
      const girl = await registeredCode(w, birth({ mother: SANDBOX_MOTHER }), SANDBOX);
      const boy = await registeredCode(w, birth({ mother: SANDBOX_MOTHER, sex: 'male' }), SANDBOX);
      const girl2 = await registeredCode(w, birth({ mother: SANDBOX_MOTHER }), SANDBOX);
      assert.deepEqual(
        [girl, boy, girl2],
        [hetu('211126', 'A', 900), hetu('211126', 'A', 901), hetu('211126', 'A', 902)],
      );
      const parsed = parseHetu(girl);
      assert.ok(parsed.ok && parsed.hetu.temporary);
      assert.equal(w.store.person(girl)?.temporary, true);
      // the permanent series of the day is untouched
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'A', 2));
    });

    it('stores the channel and the sandbox flag', async () => {
      const { record } = await submitBirth(w, birth({ mother: SANDBOX_MOTHER }), SANDBOX, 'soap-v2');
      assert.equal(record.channel, 'soap-v2');
      assert.equal(record.sandbox, true);
    });
  });

  describe('replays', () => {
    it('returns the original result for the same content, leaving no second registration behind', async () => {
      const input = birth();
      const first = await submitBirth(w, input);
      const persons = w.store.personCount();
      w.clock.advance(60_000);
      const again = await submitBirth(w, input);
      assert.equal(again.replayed, true);
      assert.equal(again.record.childCode, first.record.childCode);
      assert.equal(again.record.status, 'registered');
      assert.equal(again.record.receivedAt.toISOString(), NOW);
      assert.equal(w.store.personCount(), persons);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 2 });
    });

    it('registers and stores a new notification in one transaction, without reading it first', async () => {
      let reads = 0;
      const find = w.store.notifications.find;
      w.store.notifications.find = (clientId, notificationId) => {
        reads += 1;
        return find(clientId, notificationId);
      };
      const input = birth();
      await registeredCode(w, input);
      assert.deepEqual([w.store.commits, w.store.rollbacks, reads], [1, 0, 0]);
      // the only read is the register's: the mother, in the same transaction
      assert.deepEqual(statements(w.store), [
        'lockPersons(1)',
        'lockCodeSeries(1)',
        'claimPersons(1)',
        'insertMany(1) carrying saveCodeSeries(1)',
      ]);

      // a replay registers again in a transaction that is rolled back, then reads the stored result
      w.store.statements.length = 0;
      await submitBirth(w, input);
      assert.deepEqual([w.store.commits, w.store.rollbacks, reads], [1, 1, 1]);
      assert.deepEqual(
        w.store.statements.map((s) => s.op),
        ['lockPersons', 'lockCodeSeries', 'claimPersons', 'insertMany'],
      );
    });

    it('replays a registered death: the rejection its second registration meets is not stored', async () => {
      const input = death();
      const first = await w.service.submit(PRODUCTION, 'rest', 'death', input);
      w.clock.advance(60_000);
      const again = await w.service.submit(PRODUCTION, 'soap-v2', 'death', input);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.record, first.record);
      assert.equal(again.record.status, 'registered');
      assert.equal(again.record.rejection, null);
      assert.equal(w.store.allNotifications().length, 1);
    });

    it('replays a rejected birth as rejected even once the mother is in the register', async () => {
      const unknownMother = hetu('150590', '-', 304);
      const input = birth({ mother: unknownMother });
      const first = await submitBirth(w, input);
      assertRejected(first.record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      await w.store.loadPersons([
        {
          personalIdentityCode: unknownMother,
          birthDate: '1990-05-15',
          sex: 'female',
          temporary: false,
          deathDate: null,
        },
      ]);
      const again = await submitBirth(w, input);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.record, first.record);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 7);
    });

    it('treats reordered keys, another UTC offset and another channel as the same notification', async () => {
      const input = birth({ at: '2026-11-20T14:32:00+02:00' });
      const first = await submitBirth(w, input, PRODUCTION, 'rest');
      const reordered: Json = {
        mother: input.mother,
        birth: input.birth,
        child: { ...(input.child as Json), birthDateTime: '2026-11-20T12:32:00Z' },
        notificationId: input.notificationId,
      };
      const again = await submitBirth(w, reordered, PRODUCTION, 'legacy-soap');
      assert.equal(again.replayed, true);
      assert.equal(again.record.childCode, first.record.childCode);
      assert.equal(again.record.channel, 'rest');
    });

    it('refuses the same id with different content: NOTIFICATION_ID_REUSED', async () => {
      const input = birth();
      const first = await submitBirth(w, input);
      const e = await rejectedWith(submitBirth(w, withChanges(input, { 'child.birthWeightGrams': 3481 })));
      assert.equal(e.code, 'NOTIFICATION_ID_REUSED');
      assert.deepEqual(
        e.fieldErrors.map((f) => [f.field, f.code]),
        [['notificationId', 'NOTIFICATION_ID_REUSED']],
      );
      const stored = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(stored.childCode, first.record.childCode);
      assert.equal(w.store.allNotifications().length, 1);
    });

    it('refuses a death under the id of a birth', async () => {
      const input = birth();
      await submitBirth(w, input);
      const e = await rejectedWith(
        w.service.submit(PRODUCTION, 'rest', 'death', death({ id: input.notificationId as string })),
      );
      assert.equal(e.code, 'NOTIFICATION_ID_REUSED');
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
    });

    it('keeps ids apart per client', async () => {
      const input = birth();
      const mine = await submitBirth(w, input, PRODUCTION);
      const theirs = await submitBirth(w, withChanges(input, { 'child.sex': 'male' }), OTHER);
      assert.equal(theirs.replayed, false);
      assert.equal(mine.record.childCode, hetu('211126', 'A', 2));
      assert.equal(theirs.record.childCode, hetu('211126', 'A', 3));
    });

    it('two concurrent submissions of one notification register it once', async () => {
      const input = birth();
      const [a, b] = await Promise.all([submitBirth(w, input), submitBirth(w, input)]);
      // one batch: the first is registered, the second answered as its replay
      assert.deepEqual([a.replayed, b.replayed], [false, true]);
      assert.equal(a.record.childCode, hetu('211126', 'A', 2));
      assert.deepEqual(b.record, a.record);
      assert.equal(w.store.person(hetu('211126', 'A', 4)), undefined);
      assert.equal(w.store.allNotifications().length, 1);
    });

    it('a retry arriving while the first submission is being registered replays it', async () => {
      const held = gate();
      w.guard.hold = held.opened;
      const input = birth();
      const first = submitBirth(w, input);
      while (w.guard.calls === 0) await turn();
      const retry = submitBirth(w, input);
      await turn();
      w.guard.hold = undefined;
      held.open();
      const [a, b] = await Promise.all([first, retry]);
      assert.deepEqual([a.replayed, b.replayed], [false, true]);
      assert.deepEqual(b.record, a.record);
      assert.deepEqual(batchSizes(w.store), [1, 1]);
      assert.equal(w.store.person(hetu('211126', 'A', 4)), undefined);
    });

    it('concurrent births of the same day get distinct codes, in the order they arrived', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => submitBirth(w, birth())));
      assert.deepEqual(
        results.map((r) => r.record.childCode),
        [2, 4, 6, 8].map((n) => hetu('211126', 'A', n)),
      );
    });
  });

  describe('register rules for births', () => {
    it('stores a birth whose mother is not in the register as rejected with PERSON_NOT_FOUND', async () => {
      const unknownMother = hetu('150590', '-', 304);
      const input = birth({ mother: unknownMother });
      const { record, replayed } = await submitBirth(w, input);
      assert.equal(replayed, false);
      assertRejected(record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assertNoCodesIn(JSON.stringify(record.rejection), unknownMother);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);

      const again = await submitBirth(w, input);
      assert.equal(again.replayed, true);
      assertRejected(again.record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assert.deepEqual(again.record.rejection, record.rejection);

      const error = rejectionError(again.record);
      assert.equal(error?.code, 'PERSON_NOT_FOUND');
      assert.equal(rejectionError((await submitBirth(w, birth())).record), undefined);
    });

    it('hides permanent persons from a sandbox client (PERSON_NOT_FOUND)', async () => {
      const { record } = await submitBirth(w, birth({ mother: MOTHER }), SANDBOX);
      assertRejected(record, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
    });

    it('refuses a temporary mother from a production client before storing anything', async () => {
      const input = birth({ mother: SANDBOX_MOTHER });
      const e = await rejectedWith(submitBirth(w, input));
      assert.equal(e.code, 'TEMPORARY_CODE_NOT_ALLOWED');
      assert.equal(w.store.allNotifications().length, 0);
      const status = await rejectedWith(w.service.status(PRODUCTION, input.notificationId as string));
      assert.equal(status.code, 'NOTIFICATION_NOT_FOUND');
    });

    it('refuses a stillbirth before storing anything', async () => {
      const e = await rejectedWith(submitBirth(w, withChanges(birth(), { 'birth.liveBorn': false })));
      assert.equal(e.code, 'STILLBIRTH_NOT_REGISTRABLE');
      assert.equal(w.store.allNotifications().length, 0);
    });

    it('rejects a birth after the mother’s registered death with DEATH_BEFORE_BIRTH', async () => {
      const { record } = await submitBirth(w, birth({ mother: DECEASED_MOTHER }));
      assertRejected(record, 'DEATH_BEFORE_BIRTH', 'mother.personalIdentityCode');
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
    });

    it('registers a birth on the day of the mother’s death', async () => {
      // DECEASED_MOTHER died 2026-11-01 (Helsinki); 23:30Z on 31 Oct is 01:30 on 1 Nov in Helsinki
      const code = await registeredCode(w, birth({ mother: DECEASED_MOTHER, at: '2026-10-31T23:30:00Z' }));
      assert.equal(code, hetu('011126', 'A', 2));
    });
  });

  describe('deaths', () => {
    it('registers a death', async () => {
      const { record, replayed } = await w.service.submit(PRODUCTION, 'rest', 'death', death());
      assert.equal(replayed, false);
      assert.equal(record.status, 'registered');
      assert.equal(record.kind, 'death');
      assert.equal(record.childCode, null);
      assert.equal(record.registeredAt?.toISOString(), NOW);
      const person = w.store.person(ELDERLY);
      assert.equal(person?.deathDate, '2026-11-19');
      assert.equal(person?.deathDateLatest, '2026-11-19');
    });

    it('records an estimated month with its last day for the rules', async () => {
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        death({ date: '2024-02', accuracy: 'estimated', determinedAt: '2024-03-02T10:00:00+02:00' }),
      );
      assert.equal(record.status, 'registered');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2024-02');
      assert.equal(w.store.person(ELDERLY)?.deathDateLatest, '2024-02-29');
    });

    it('rejects the death of an unknown person with PERSON_NOT_FOUND', async () => {
      const unknown = hetu('010150', '-', 125);
      const { record } = await w.service.submit(PRODUCTION, 'rest', 'death', death({ person: unknown }));
      assertRejected(record, 'PERSON_NOT_FOUND', 'deceased.personalIdentityCode');
      assertNoCodesIn(JSON.stringify(record.rejection), unknown);
    });

    it('rejects a second death of the same person with ALREADY_DECEASED', async () => {
      await w.service.submit(PRODUCTION, 'rest', 'death', death());
      const { record } = await w.service.submit(
        PRODUCTION,
        'soap-v2',
        'death',
        death({ date: '2026-11-18' }),
      );
      assertRejected(record, 'ALREADY_DECEASED', 'deceased.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('rejects a person already loaded as deceased with ALREADY_DECEASED', async () => {
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        death({ person: DECEASED_MOTHER }),
      );
      assertRejected(record, 'ALREADY_DECEASED', 'deceased.personalIdentityCode');
    });

    it('rejects a death before the person’s birth with DEATH_BEFORE_BIRTH', async () => {
      // NEWBORN was born 2026-11-20
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        death({ person: NEWBORN, date: '2026-11-19' }),
      );
      assertRejected(record, 'DEATH_BEFORE_BIRTH', 'death.date');
      assert.equal(w.store.person(NEWBORN)?.deathDate, null);
    });

    it('rejects a mother’s death dated before the registered birth of her child with DEATH_BEFORE_BIRTH', async () => {
      const child = await registeredCode(w, birth({ mother: MOTHER })); // born 21 November (Helsinki)
      assert.deepEqual(w.store.childrenOf(MOTHER), [child]);
      const { record } = await submitDeath(
        w,
        death({ person: MOTHER, date: '2026-11-20', determinedAt: NOW }),
      );
      assertRejected(record, 'DEATH_BEFORE_BIRTH', 'death.date');
      assert.equal(
        record.rejection?.fieldErrors[0]?.message,
        'is before the registered birth of a child of this person',
      );
      assert.equal(w.store.person(MOTHER)?.deathDate, null);
    });

    it('registers a mother’s death on the day of her child’s birth, or estimated to a month that reaches it', async () => {
      await registeredCode(w, birth({ mother: MOTHER }));
      await registeredCode(w, birth({ mother: MOTHER2 }));
      const sameDay = await submitDeath(w, death({ person: MOTHER, date: '2026-11-21', determinedAt: NOW }));
      assert.equal(sameDay.record.status, 'registered');
      const month = await submitDeath(
        w,
        death({ person: MOTHER2, date: '2026-11', accuracy: 'estimated', determinedAt: NOW }),
      );
      assert.equal(month.record.status, 'registered');
    });

    it('accepts an estimated month that still reaches past the birth', async () => {
      const { record } = await w.service.submit(
        PRODUCTION,
        'rest',
        'death',
        death({
          person: NEWBORN,
          date: '2026-11',
          accuracy: 'estimated',
          determinedAt: '2026-11-22T10:00:00Z',
        }),
      );
      assert.equal(record.status, 'registered');
      assert.equal(w.store.person(NEWBORN)?.deathDateLatest, '2026-11-30');
    });

    it('hides permanent persons from a sandbox client', async () => {
      const { record } = await w.service.submit(SANDBOX, 'rest', 'death', death());
      assertRejected(record, 'PERSON_NOT_FOUND', 'deceased.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
    });

    it('lets a sandbox client register the death of a test person', async () => {
      const { record } = await w.service.submit(SANDBOX, 'rest', 'death', death({ person: SANDBOX_MOTHER }));
      assert.equal(record.status, 'registered');
      assert.equal(w.store.person(SANDBOX_MOTHER)?.deathDate, '2026-11-19');
    });
  });

  describe('when the register is unavailable', () => {
    it('stores the notification as pending and registers it later with processPending()', async () => {
      w.guard.down = true;
      const input = birth();
      const { record, replayed } = await submitBirth(w, input);
      assert.equal(replayed, false);
      assert.equal(record.status, 'pending');
      assert.equal(record.childCode, null);
      assert.equal(record.registeredAt, null);
      assert.equal(record.rejection, null);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);

      const warnings = w.logs.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.fields.notificationId, input.notificationId);
      assertNoCodesIn(JSON.stringify(w.logs), MOTHER);

      // a retry before the register is back replays the pending acknowledgement
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, true);
      assert.equal(retry.record.status, 'pending');

      // still down: nothing leaves the pending state
      assert.equal(await w.service.processPending(), 0);
      assert.equal((await w.service.status(PRODUCTION, input.notificationId as string)).status, 'pending');

      w.guard.down = false;
      w.clock.advance(5 * 60_000);
      assert.equal(await w.service.processPending(), 1);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.status, 'registered');
      assert.equal(done.childCode, hetu('211126', 'A', 2));
      assert.equal(done.receivedAt.toISOString(), NOW);
      assert.equal(done.registeredAt?.toISOString(), '2026-11-23T10:05:00.000Z');
      assert.ok(w.store.person(hetu('211126', 'A', 2)));

      // nothing is left to do, and a replay now returns the code
      assert.equal(await w.service.processPending(), 0);
      const replay = await submitBirth(w, input);
      assert.equal(replay.replayed, true);
      assert.equal(replay.record.childCode, hetu('211126', 'A', 2));
    });

    it('processes pending notifications in order of arrival, rejections included', async () => {
      w.guard.down = true;
      const first = birth({ sex: 'male' });
      const second = birth({ mother: hetu('150590', '-', 304) });
      const third = death();
      await submitBirth(w, first);
      w.clock.advance(1000);
      await submitBirth(w, second);
      w.clock.advance(1000);
      await w.service.submit(PRODUCTION, 'rest', 'death', third);
      w.guard.down = false;
      assert.equal(await w.service.processPending(), 3);
      const s1 = await w.service.status(PRODUCTION, first.notificationId as string);
      const s2 = await w.service.status(PRODUCTION, second.notificationId as string);
      const s3 = await w.service.status(PRODUCTION, third.notificationId as string);
      assert.equal(s1.childCode, hetu('211126', 'A', 3));
      assertRejected(s2, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assert.equal(s3.status, 'registered');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('processPending honours its limit', async () => {
      w.guard.down = true;
      for (let i = 0; i < 3; i += 1) await submitBirth(w, birth());
      w.guard.down = false;
      assert.equal(await w.service.processPending(2), 2);
      assert.equal(w.store.allNotifications().filter((n) => n.status === 'pending').length, 1);
      assert.equal(await w.service.processPending(2), 1);
    });

    it('a register failure after the series was locked leaves no trace: no code is burnt', async () => {
      w.store.failNext('claimPersons', new Error('connection reset by peer'));
      const input = birth();
      const { record } = await submitBirth(w, input);
      assert.equal(record.status, 'pending');
      assert.equal(record.childCode, null);
      // the rollback undid the series created before the failure
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.equal(await w.service.processPending(), 1);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 2));
    });

    it('a retry once the register is back still replays the pending acknowledgement, registering nothing', async () => {
      w.guard.down = true;
      const input = birth();
      await submitBirth(w, input);
      w.guard.down = false;
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, true);
      assert.equal(retry.record.status, 'pending');
      assert.equal(retry.record.childCode, null);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(await w.service.processPending(), 1);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 2));
    });

    it('a register failure in processPending undoes the whole batch’s register writes and leaves it pending', async () => {
      w.guard.down = true;
      const inputs = [birth(), birth(), birth()];
      for (const input of inputs) {
        await submitBirth(w, input);
        w.clock.advance(1000);
      }
      w.guard.down = false;
      await w.service.processPending(1);
      w.logs.length = 0;
      const commits = w.store.commits;
      // the two pending births' series is locked, then the register fails
      w.store.failNext('claimPersons', new Error('connection reset by peer'));
      assert.equal(await w.service.processPending(), 0);
      // the claim's transaction itself ends normally
      assert.equal(w.store.commits, commits + 1);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 2 });
      assert.equal(w.store.personCount(), 7);
      const statuses = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      assert.deepEqual(
        statuses.map((n) => [n.status, n.childCode]),
        [
          ['registered', hetu('211126', 'A', 2)],
          ['pending', null],
          ['pending', null],
        ],
      );
      assert.equal(await w.service.processPending(), 2);
      const done = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      assert.deepEqual(
        done.map((n) => n.childCode),
        [2, 4, 6].map((n) => hetu('211126', 'A', n)),
      );
    });

    it('a rejection in processPending’s batch leaves the series where it was and keeps the registrations', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 896 });
      w.guard.down = true;
      const first = birth();
      const second = birth();
      await submitBirth(w, first);
      w.clock.advance(1000);
      await submitBirth(w, second);
      w.guard.down = false;
      assert.equal(await w.service.processPending(), 2);
      const s1 = await w.service.status(PRODUCTION, first.notificationId as string);
      const s2 = await w.service.status(PRODUCTION, second.notificationId as string);
      assert.equal(s1.childCode, hetu('211126', 'F', 898));
      assert.equal(s2.status, 'rejected');
      assert.equal(s2.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.ok(w.store.person(hetu('211126', 'F', 898)));
      assert.equal(w.store.personCount(), 7);
      // code_series holds "the last individual number handed out": F898
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 5, number: 898 });
    });

    it('a deadlock in processPending is retried with the whole transaction, not left pending', async () => {
      w.guard.down = true;
      const input = birth();
      await submitBirth(w, input);
      w.guard.down = false;
      w.logs.length = 0;
      const rollbacks = w.store.rollbacks;
      w.store.failNext('lockPersons', deadlock());
      assert.equal(await w.service.processPending(), 1);
      assert.equal(w.store.rollbacks, rollbacks + 1);
      assert.deepEqual(w.logs, []);
      const done = await w.service.status(PRODUCTION, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 2));
    });

    it('a sandbox notification stays sandboxed when processed later', async () => {
      w.guard.down = true;
      const input = birth({ mother: SANDBOX_MOTHER });
      await submitBirth(w, input, SANDBOX);
      w.guard.down = false;
      assert.equal(await w.service.processPending(), 1);
      const done = await w.service.status(SANDBOX, input.notificationId as string);
      assert.equal(done.childCode, hetu('211126', 'A', 900));
    });
  });

  describe('batches (group commit)', () => {
    /** Submits all at once (one turn) and waits for every outcome. */
    function together(...submissions: Promise<SubmitResult>[]) {
      return Promise.allSettled(submissions);
    }
    function value<T>(r: PromiseSettledResult<T> | undefined): T {
      if (r?.status !== 'fulfilled') return assert.fail(`expected a result, got ${String(r?.reason)}`);
      return r.value;
    }
    function reason(r: PromiseSettledResult<unknown> | undefined): unknown {
      if (r?.status !== 'rejected') return assert.fail('expected the submission to fail');
      return r.reason;
    }
    const record = (r: PromiseSettledResult<SubmitResult> | undefined) => value(r).record;

    it('registers notifications submitted together in one transaction of a few batch statements', async () => {
      const results = await Promise.all([
        submitBirth(w, birth()),
        submitBirth(w, birth({ mother: MOTHER2, sex: 'male' })),
        submitDeath(w, death()),
        submitBirth(w, birth()),
        submitDeath(
          w,
          death({ person: NEWBORN, date: '2026-11-21', determinedAt: '2026-11-21T15:00:00+02:00' }),
        ),
      ]);
      assert.deepEqual(
        results.map((r) => [r.record.status, r.record.childCode, r.replayed]),
        [
          ['registered', hetu('211126', 'A', 2), false],
          ['registered', hetu('211126', 'A', 3), false],
          ['registered', null, false],
          ['registered', hetu('211126', 'A', 4), false],
          ['registered', null, false],
        ],
      );
      assert.deepEqual([w.store.commits, w.store.rollbacks], [1, 0]);
      assert.deepEqual(statements(w.store), [
        'lockPersons(4)',
        'latestChildBirthDates(2)',
        'lockCodeSeries(2)',
        'claimPersons(3)',
        'insertMany(5) carrying saveCodeSeries(2), markDeceased(2)',
      ]);
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.equal(w.store.person(NEWBORN)?.deathDate, '2026-11-21');
      assert.equal(w.store.allNotifications().length, 5);
    });

    it('decides a mother’s death after her child’s birth in the same batch as if they came one after the other', async () => {
      const [born, died] = await Promise.all([
        submitBirth(w, birth({ mother: MOTHER })),
        submitDeath(w, death({ person: MOTHER, date: '2026-11-20', determinedAt: NOW })),
      ]);
      assert.equal(born.record.status, 'registered');
      assertRejected(died.record, 'DEATH_BEFORE_BIRTH', 'death.date');
      assert.deepEqual([w.store.commits, w.store.rollbacks], [1, 0]);
      // The death waits for the birth's code: the births before it get theirs first.
      assert.deepEqual(statements(w.store), [
        'lockPersons(1)',
        'latestChildBirthDates(1)',
        'lockCodeSeries(1)',
        'claimPersons(1)',
        'insertMany(2) carrying saveCodeSeries(1)',
      ]);

      const [diedFirst, bornAfter] = await Promise.all([
        submitDeath(w, death({ person: MOTHER2, date: '2026-11-20', determinedAt: NOW })),
        submitBirth(w, birth({ mother: MOTHER2 })),
      ]);
      assert.equal(diedFirst.record.status, 'registered');
      assertRejected(bornAfter.record, 'DEATH_BEFORE_BIRTH', 'mother.personalIdentityCode');
    });

    it('lets a mother’s death follow a birth in a batch that the register could not give a code', async () => {
      // Every permanent girl's code of 21 November is taken: the birth is refused, so the death stands.
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 898 });
      const [born, died] = await Promise.all([
        submitBirth(w, birth({ mother: MOTHER })),
        submitDeath(w, death({ person: MOTHER, date: '2026-11-20', determinedAt: NOW })),
      ]);
      assert.equal(born.record.rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(died.record.status, 'registered');
      assert.deepEqual(w.store.childrenOf(MOTHER), []);
    });

    it('never puts an invalid notification into a batch: the others register without it', async () => {
      const [ok1, bad, ok2] = await together(
        submitBirth(w, birth()),
        submitBirth(w, withChanges(birth(), { 'birth.municipalityCode': '91' })),
        submitBirth(w, birth()),
      );
      assert.equal((reason(bad) as DomainError).code, 'VALIDATION_FAILED');
      assert.equal(record(ok1).childCode, hetu('211126', 'A', 2));
      assert.equal(record(ok2).childCode, hetu('211126', 'A', 4));
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('a submission made while a batch is being registered waits, and shares the next batch', async () => {
      const held = gate();
      w.guard.hold = held.opened;
      const first = submitBirth(w, birth());
      while (w.guard.calls === 0) await turn();
      const second = submitBirth(w, birth({ sex: 'male' }));
      await turn();
      const third = submitBirth(w, birth());
      await turn();
      assert.deepEqual(batchSizes(w.store), [], 'the first batch is still registering');
      w.guard.hold = undefined;
      held.open();
      const results = await Promise.all([first, second, third]);
      assert.deepEqual(batchSizes(w.store), [1, 2]);
      assert.equal(w.guard.calls, 2);
      assert.deepEqual(
        results.map((r) => r.record.childCode),
        [hetu('211126', 'A', 2), hetu('211126', 'A', 3), hetu('211126', 'A', 4)],
      );
    });

    it('with batchConcurrency 2 a second batch starts at once, and queues on the first one’s transaction', async () => {
      const service = new NotificationService({
        store: w.store,
        clock: w.clock,
        guard: w.guard,
        logger: recordingLogger(w.logs),
        batchConcurrency: 2,
      });
      let transactions = 0;
      const transaction = w.store.transaction.bind(w.store);
      w.store.transaction = <T>(fn: (tx: Transaction) => Promise<T>) => {
        transactions += 1;
        return transaction(fn);
      };
      const held = gate();
      w.guard.hold = held.opened;
      const first = service.submit(PRODUCTION, 'rest', 'birth', birth());
      while (w.guard.calls === 0) await turn();
      const second = service.submit(PRODUCTION, 'rest', 'birth', birth());
      for (let i = 0; i < 5; i += 1) await turn();
      // started (not held back by the GroupCommit), but waiting for the store
      assert.equal(transactions, 2);
      assert.equal(w.guard.calls, 1);
      w.guard.hold = undefined;
      held.open();
      const [a, b] = await Promise.all([first, second]);
      assert.deepEqual(
        [a.record.childCode, b.record.childCode],
        [hetu('211126', 'A', 2), hetu('211126', 'A', 4)],
      );
      assert.deepEqual(batchSizes(w.store), [1, 1]);
    });

    it('a birth and a later death of the mother in one batch: both register', async () => {
      const b = birth({ mother: MOTHER2 });
      const d = death({ person: MOTHER2, date: '2026-11-22', determinedAt: '2026-11-22T10:00:00+02:00' });
      const [born, died] = await Promise.all([submitBirth(w, b), submitDeath(w, d)]);
      assert.equal(born.record.childCode, hetu('211126', 'A', 2));
      assert.equal(died.record.status, 'registered');
      assert.equal(w.store.person(MOTHER2)?.deathDate, '2026-11-22');
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('a death earlier in the batch is seen by a later birth: DEATH_BEFORE_BIRTH', async () => {
      const d = death({ person: MOTHER2, date: '2026-11-19' });
      const b = birth({ mother: MOTHER2 });
      const [died, born] = await Promise.all([submitDeath(w, d), submitBirth(w, b)]);
      assert.equal(died.record.status, 'registered');
      assertRejected(born.record, 'DEATH_BEFORE_BIRTH', 'mother.personalIdentityCode');
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('two deaths of the same person in one batch: the second is ALREADY_DECEASED', async () => {
      const [first, second] = await Promise.all([
        submitDeath(w, death({ date: '2026-11-19' })),
        submitDeath(w, death({ date: '2026-11-18' }), PRODUCTION, 'soap-v2'),
      ]);
      assert.equal(first.record.status, 'registered');
      assertRejected(second.record, 'ALREADY_DECEASED', 'deceased.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.deepEqual(statements(w.store), [
        'lockPersons(1)',
        'latestChildBirthDates(1)',
        'insertMany(2) carrying markDeceased(1)',
      ]);
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('several births of a day in one batch get consecutive codes in the order they arrived', async () => {
      const sexes = ['female', 'male', 'female', 'female', 'male'] as const;
      const results = await Promise.all(sexes.map((sex) => submitBirth(w, birth({ sex }))));
      assert.deepEqual(
        results.map((r) => r.record.childCode),
        [2, 3, 4, 6, 5].map((n) => hetu('211126', 'A', n)),
      );
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
      assert.deepEqual(w.store.codeSeries(MALE_21), { signIndex: 0, number: 5 });
      assert.deepEqual(batchSizes(w.store), [5]);
      assert.equal(w.store.commits, 1);
    });

    it('skips a code taken by a loaded person within a batch, claiming again only for the ones that met it', async () => {
      const taken = hetu('211126', 'A', 4);
      await w.store.loadPersons([
        {
          personalIdentityCode: taken,
          birthDate: '2026-11-21',
          sex: 'female',
          temporary: false,
          deathDate: null,
        },
      ]);
      const results = await Promise.all([1, 2, 3].map(() => submitBirth(w, birth())));
      const codes = results.map((r) => r.record.childCode ?? '');
      // the lowest free codes, each once (which of the batch's births gets which is not asserted)
      assert.deepEqual(
        [...codes].sort(),
        [2, 6, 8].map((n) => hetu('211126', 'A', n)),
      );
      assert.equal(codes[0], hetu('211126', 'A', 2));
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 8 });
      assert.deepEqual(
        statements(w.store).filter((s) => s.startsWith('claimPersons')),
        ['claimPersons(3)', 'claimPersons(1)'],
      );
      // the loaded person is left as loaded
      assert.deepEqual(w.store.person(taken), {
        personalIdentityCode: taken,
        birthDate: '2026-11-21',
        sex: 'female',
        temporary: false,
        deathDate: null,
        deathDateLatest: null,
      });
      assert.equal(w.store.personCount(), 10);
    });

    it('a used-up series rejects only its own births; the rest of the batch registers', async () => {
      w.store.seedCodeSeries(FEMALE_21, { signIndex: 5, number: 896 });
      const [last, exhausted, boy, died, sandbox] = await together(
        submitBirth(w, birth()),
        submitBirth(w, birth()),
        submitBirth(w, birth({ sex: 'male' })),
        submitDeath(w, death()),
        submitBirth(w, birth({ mother: SANDBOX_MOTHER }), SANDBOX),
      );
      assert.equal(record(last).childCode, hetu('211126', 'F', 898));
      assert.equal(record(exhausted).status, 'rejected');
      assert.equal(record(exhausted).rejection?.code, 'IDENTITY_CODES_EXHAUSTED');
      assert.equal(record(boy).childCode, hetu('211126', 'A', 3));
      assert.equal(record(died).status, 'registered');
      assert.equal(record(sandbox).childCode, hetu('211126', 'A', 900));
      assert.equal(w.store.personCount(), 9);
      assert.deepEqual(batchSizes(w.store), [5]);
    });

    it('a batch holding the id of a stored notification: the others still register and that one replays', async () => {
      const stored = birth();
      const reused = birth();
      const first = await submitBirth(w, stored);
      await submitBirth(w, reused);
      w.clock.advance(60_000);
      const [a, again, differs, d] = await together(
        submitBirth(w, birth()),
        submitBirth(w, stored, PRODUCTION, 'soap-v2'),
        submitBirth(w, withChanges(reused, { 'child.birthWeightGrams': 3481 })),
        submitDeath(w, death()),
      );
      assert.equal(value(again).replayed, true);
      assert.deepEqual(record(again), first.record);
      assert.equal((reason(differs) as DomainError).code, 'NOTIFICATION_ID_REUSED');
      // the batch's own transaction was undone: no code is burnt by it
      assert.equal(value(a).replayed, false);
      assert.equal(record(a).childCode, hetu('211126', 'A', 6));
      assert.equal(record(d).status, 'registered');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.equal(w.store.person(hetu('211126', 'A', 8)), undefined);
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
      assert.equal(w.store.allNotifications().length, 4);
      // the batch (rolled back), then each new one alone
      assert.deepEqual(batchSizes(w.store), [1, 1, 4, 1, 1]);
      assert.deepEqual([w.store.commits, w.store.rollbacks], [4, 1]);
    });

    it('the same id twice in one batch with the same content: registered once, the second replays it', async () => {
      const input = birth();
      const [a, b] = await Promise.all([
        submitBirth(w, input),
        submitBirth(
          w,
          withChanges(input, { 'child.birthDateTime': '2026-11-21T01:30:00+02:00' }),
          PRODUCTION,
          'soap-v2',
        ),
      ]);
      assert.deepEqual([a.replayed, b.replayed], [false, true]);
      assert.deepEqual(b.record, a.record);
      assert.equal(a.record.childCode, hetu('211126', 'A', 2));
      assert.equal(w.store.allNotifications().length, 1);
      assert.equal(w.store.personCount(), 7);
      assert.deepEqual(statements(w.store), [
        'lockPersons(1)',
        'lockCodeSeries(1)',
        'claimPersons(1)',
        'insertMany(1) carrying saveCodeSeries(1)',
      ]);
    });

    it('the same id twice in one batch with different content: the second is NOTIFICATION_ID_REUSED', async () => {
      const input = birth();
      const [a, b, c] = await together(
        submitBirth(w, input),
        submitBirth(w, withChanges(input, { 'child.sex': 'male' })),
        submitDeath(w, death({ id: input.notificationId as string })),
      );
      assert.equal(value(a).replayed, false);
      assert.equal(record(a).childCode, hetu('211126', 'A', 2));
      assert.equal((reason(b) as DomainError).code, 'NOTIFICATION_ID_REUSED');
      assert.equal((reason(c) as DomainError).code, 'NOTIFICATION_ID_REUSED');
      // only the first was registered
      assert.equal(w.store.codeSeries(MALE_21), undefined);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.deepEqual(
        w.store.allNotifications().map((n) => n.childCode),
        [hetu('211126', 'A', 2)],
      );
    });

    it('the same id from two clients in one batch is two notifications', async () => {
      const input = birth();
      const [mine, theirs] = await Promise.all([
        submitBirth(w, input, PRODUCTION),
        submitBirth(w, withChanges(input, { 'child.sex': 'male' }), OTHER),
      ]);
      assert.deepEqual([mine.replayed, theirs.replayed], [false, false]);
      assert.equal(mine.record.childCode, hetu('211126', 'A', 2));
      assert.equal(theirs.record.childCode, hetu('211126', 'A', 3));
      assert.deepEqual(batchSizes(w.store), [2]);
    });

    it('a failing guard leaves the whole batch pending; processPending registers it later', async () => {
      w.guard.down = true;
      const inputs = [birth(), birth({ sex: 'male' }), death(), birth({ mother: hetu('150590', '-', 304) })];
      const results = await Promise.all([
        submitBirth(w, inputs[0] as Json),
        submitBirth(w, inputs[1] as Json),
        submitDeath(w, inputs[2] as Json),
        submitBirth(w, inputs[3] as Json),
      ]);
      assert.deepEqual(
        results.map((r) => [r.record.status, r.record.childCode, r.replayed]),
        inputs.map(() => ['pending', null, false]),
      );
      assert.equal(w.guard.calls, 1);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);

      w.guard.down = false;
      w.clock.advance(60_000);
      w.store.statements.length = 0;
      assert.equal(await w.service.processPending(), 4);
      // one batch: the persons read in one go
      assert.equal(statements(w.store).filter((s) => s.startsWith('lockPersons')).length, 1);
      const done = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      // one batch's pending rows share their receivedAt, so the order among them is not asserted
      assert.deepEqual(
        done.map((n) => n.status),
        ['registered', 'registered', 'registered', 'rejected'],
      );
      assert.equal(done[0]?.childCode, hetu('211126', 'A', 2));
      assert.equal(done[1]?.childCode, hetu('211126', 'A', 3));
      assert.equal(done[2]?.registeredAt?.toISOString(), '2026-11-23T10:01:00.000Z');
      assertRejected(done[3] as StoredNotification, 'PERSON_NOT_FOUND', 'mother.personalIdentityCode');
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
      assert.equal(await w.service.processPending(), 0);
    });

    it('a register failure mid-batch leaves every notification pending and nothing written', async () => {
      // after the series was locked (and created)
      w.store.failNext('claimPersons', new Error('connection reset by peer'));
      const [b, d] = await Promise.all([submitBirth(w, birth()), submitDeath(w, death())]);
      assert.deepEqual([b.record.status, d.record.status], ['pending', 'pending']);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.equal(w.logs.filter((l) => l.level === 'warn').length, 1);
      assert.equal(await w.service.processPending(), 2);
      assert.equal(
        (await w.service.status(PRODUCTION, b.record.notificationId)).childCode,
        hetu('211126', 'A', 2),
      );
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('a held-back register write that fails surfaces with the insert: the batch fails with its error', async () => {
      // markDeceased and saveCodeSeries are sent along with insertMany (write-behind), outside the guard
      const error = new Error('canceling statement due to lock timeout');
      w.store.failNext('markDeceased', error);
      const input = birth();
      const outcomes = await together(submitBirth(w, input), submitDeath(w, death()));
      assert.deepEqual(
        outcomes.map((o) => reason(o)),
        [error, error],
      );
      assert.deepEqual(w.store.allNotifications(), []);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.deepEqual(w.logs, []);
      // nothing was acknowledged, so a retry is a new notification
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, false);
      assert.equal(retry.record.childCode, hetu('211126', 'A', 2));
    });

    it('a held-back register write that fails in processPending fails it; the claimed stay pending', async () => {
      w.guard.down = true;
      const inputs = [birth(), death()];
      await Promise.all([submitBirth(w, inputs[0] as Json), submitDeath(w, inputs[1] as Json)]);
      w.guard.down = false;
      const error = new Error('canceling statement due to lock timeout');
      w.store.failNext('saveCodeSeries', error);
      await assert.rejects(w.service.processPending(), (e) => e === error);
      const statuses = await Promise.all(
        inputs.map((i) => w.service.status(PRODUCTION, i.notificationId as string)),
      );
      assert.deepEqual(
        statuses.map((n) => n.status),
        ['pending', 'pending'],
      );
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.equal(w.store.personCount(), 6);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.equal(await w.service.processPending(), 2);
      assert.equal(w.store.person(ELDERLY)?.deathDate, '2026-11-19');
    });

    it('a deadlock is the store’s to retry: the batch registers on the next attempt, not pending', async () => {
      w.store.failNext('claimPersons', deadlock());
      const results = await Promise.all([submitBirth(w, birth()), submitBirth(w, birth())]);
      assert.deepEqual(
        results.map((r) => [r.record.status, r.record.childCode]),
        [
          ['registered', hetu('211126', 'A', 2)],
          ['registered', hetu('211126', 'A', 4)],
        ],
      );
      assert.deepEqual([w.store.commits, w.store.rollbacks], [1, 1]);
      assert.deepEqual(w.logs, []);
    });

    it('a transaction that keeps failing transiently fails every submission of its batch, storing nothing', async () => {
      const error = deadlock();
      w.store.failNext('lockCodeSeries', error, MAX_ATTEMPTS);
      const outcomes = await together(submitBirth(w, birth()), submitBirth(w, birth({ sex: 'male' })));
      assert.deepEqual(
        outcomes.map((o) => reason(o)),
        [error, error],
      );
      assert.deepEqual([w.store.commits, w.store.rollbacks], [0, MAX_ATTEMPTS]);
      assert.deepEqual(w.store.allNotifications(), []);
      assert.equal(w.store.personCount(), 6);
      // the next batch goes through
      assert.equal(await registeredCode(w, birth()), hetu('211126', 'A', 2));
    });

    it('a failing store (not the register) fails every submission of the batch, storing nothing', async () => {
      const error = pgError('53100', 'could not extend file: No space left on device');
      w.store.failNext('insertMany', error);
      const input = birth();
      const outcomes = await together(submitBirth(w, input), submitDeath(w, death()));
      assert.deepEqual(
        outcomes.map((o) => reason(o)),
        [error, error],
      );
      assert.deepEqual(w.store.allNotifications(), []);
      assert.equal(w.store.person(ELDERLY)?.deathDate, null);
      assert.equal(w.store.codeSeries(FEMALE_21), undefined);
      assert.deepEqual(w.logs, []);
      // a retry is a new notification
      const retry = await submitBirth(w, input);
      assert.equal(retry.replayed, false);
      assert.equal(retry.record.childCode, hetu('211126', 'A', 2));
    });
  });

  describe('status', () => {
    it('returns the client’s own notification', async () => {
      const input = birth();
      const { record } = await submitBirth(w, input);
      assert.deepEqual(await w.service.status(PRODUCTION, input.notificationId as string), record);
    });

    it('does not show another client’s notification: NOTIFICATION_NOT_FOUND', async () => {
      const input = birth();
      await submitBirth(w, input);
      const e = await rejectedWith(w.service.status(OTHER, input.notificationId as string));
      assert.equal(e.code, 'NOTIFICATION_NOT_FOUND');
      assert.deepEqual(
        e.fieldErrors.map((f) => [f.field, f.code]),
        [['notificationId', 'NOTIFICATION_NOT_FOUND']],
      );
    });

    it('NOTIFICATION_NOT_FOUND for an id never used', async () => {
      const e = await rejectedWith(w.service.status(PRODUCTION, 'never-used'));
      assert.equal(e.code, 'NOTIFICATION_NOT_FOUND');
    });
  });
});

describe('MemoryStore (the fake itself)', () => {
  const person = (code: string, birthDate: string) => ({
    personalIdentityCode: code,
    birthDate,
    sex: 'female' as const,
    temporary: false,
  });
  /** A person as claimPersons adds one: a newborn of no mother in these cases. */
  const claimable = (code: string, birthDate: string) => ({ ...person(code, birthDate), motherCode: null });
  const alive = (code: string, birthDate: string) => ({ ...person(code, birthDate), deathDate: null });
  const received = new Date(NOW);
  const START = { signIndex: 0, number: 0 };
  const A2 = hetu('211126', 'A', 2);
  const A4 = hetu('211126', 'A', 4);
  const A6 = hetu('211126', 'A', 6);

  function newNotification(status: NotificationStatus = 'pending', id?: string): NewNotification {
    const content = validateBirth(birth({ id }), { now: new Date(NOW), sandbox: false });
    return {
      clientId: PRODUCTION.id,
      notificationId: content.notificationId,
      kind: 'birth',
      channel: 'rest',
      fingerprint: fingerprint(content),
      sandbox: false,
      content,
      status,
      childCode: status === 'registered' ? A2 : null,
      rejection: null,
      receivedAt: received,
      registeredAt: status === 'registered' ? received : null,
    };
  }

  it('lockPersons returns the persons among the codes that exist, each once, as copies', async () => {
    const store = new MemoryStore();
    await store.loadPersons([alive(MOTHER, '1952-10-13'), alive(MOTHER2, '1990-05-15')]);
    const found = await store.transaction(async (tx) => {
      const persons = await tx.register.lockPersons([MOTHER2, A2, MOTHER2, MOTHER]);
      for (const p of persons) p.deathDate = '2026-01-01';
      return persons;
    });
    assert.deepEqual(found.map((p) => p.personalIdentityCode).sort(), [MOTHER, MOTHER2].sort());
    assert.equal(store.person(MOTHER)?.deathDate, null);
    // an empty batch sends nothing
    assert.deepEqual(await store.transaction((tx) => tx.register.lockPersons([])), []);
    assert.deepEqual(
      store.statements.map((s) => [s.op, s.rows]),
      [['lockPersons', 4]],
    );
  });

  it('claimPersons adds the persons whose code is free and returns their codes', async () => {
    const store = new MemoryStore();
    await store.loadPersons([{ ...person(MOTHER, '1952-10-13'), deathDate: '2026-01-01' }]);
    const added = await store.transaction(async (tx) => {
      const first = await tx.register.claimPersons([
        claimable(A2, '2026-11-21'),
        claimable(A4, '2026-11-21'),
      ]);
      const second = await tx.register.claimPersons([
        claimable(A2, '2026-11-21'),
        { ...claimable(MOTHER, '2000-01-01'), temporary: true },
        claimable(A6, '2026-11-21'),
        { ...claimable(A6, '2026-11-21'), sex: 'male' },
      ]);
      return [first, second];
    });
    assert.deepEqual(added, [new Set([A2, A4]), new Set([A6])]);
    assert.deepEqual(store.person(A2), {
      ...person(A2, '2026-11-21'),
      deathDate: null,
      deathDateLatest: null,
    });
    // a code given twice gets its first person
    assert.equal(store.person(A6)?.sex, 'female');
    // the taken code keeps its person as it was
    assert.deepEqual(store.person(MOTHER), {
      ...person(MOTHER, '1952-10-13'),
      deathDate: '2026-01-01',
      deathDateLatest: '2026-01-01',
    });
    assert.equal(store.personCount(), 4);
    assert.deepEqual(await store.transaction((tx) => tx.register.claimPersons([])), new Set());
  });

  it('markDeceased records the deaths of known persons and ignores unknown codes', async () => {
    const store = new MemoryStore();
    await store.loadPersons([alive(MOTHER, '1952-10-13'), alive(MOTHER2, '1990-05-15')]);
    await store.transaction((tx) =>
      tx.register.markDeceased([
        { personalIdentityCode: MOTHER2, date: '2024-02', latestDate: '2024-02-29' },
        { personalIdentityCode: A2, date: '2026-11-22', latestDate: '2026-11-22' },
      ]),
    );
    assert.deepEqual(store.person(MOTHER2), {
      ...person(MOTHER2, '1990-05-15'),
      deathDate: '2024-02',
      deathDateLatest: '2024-02-29',
    });
    assert.equal(store.person(MOTHER)?.deathDate, null);
    assert.equal(store.person(A2), undefined);
  });

  it('lockCodeSeries creates missing series at their initial position and returns known ones as they are', async () => {
    const store = new MemoryStore();
    store.seedCodeSeries(MALE_21, { signIndex: 1, number: 7 });
    const OTHER_DAY = { ...FEMALE_21, birthDate: '2026-11-22' };
    const positions = await store.transaction((tx) =>
      tx.register.lockCodeSeries([
        { key: OTHER_DAY, initial: START },
        { key: MALE_21, initial: { signIndex: 0, number: 1 } },
        { key: FEMALE_21, initial: { signIndex: 0, number: 0 } },
      ]),
    );
    assert.deepEqual(positions, [START, { signIndex: 1, number: 7 }, START]);
    assert.deepEqual(store.codeSeries(OTHER_DAY), START);
    assert.deepEqual(store.codeSeries(FEMALE_21), START);
    assert.deepEqual(store.codeSeries(MALE_21), { signIndex: 1, number: 7 });
  });

  it('lockCodeSeries fails, as PostgreSQL does, when a series is named twice', async () => {
    const store = new MemoryStore();
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([
          { key: FEMALE_21, initial: START },
          { key: { ...FEMALE_21 }, initial: START },
        ]);
      }),
      (e: { code?: string }) => e.code === '21000',
    );
    assert.equal(store.codeSeries(FEMALE_21), undefined);
  });

  it('saveCodeSeries moves only series that exist', async () => {
    const store = new MemoryStore();
    await store.transaction(async (tx) => {
      await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
      await tx.register.saveCodeSeries([
        { key: FEMALE_21, position: { signIndex: 0, number: 6 } },
        { key: MALE_21, position: { signIndex: 0, number: 5 } },
      ]);
    });
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
    assert.equal(store.codeSeries(MALE_21), undefined);
  });

  it('insertMany stores the rows as given, updated when received, and skips ids that are taken', async () => {
    const store = new MemoryStore();
    const n = newNotification('registered', 'b-2');
    const [row] = await store.transaction((tx) => tx.notifications.insertMany([n]));
    assert.deepEqual(row, { ...n, updatedAt: received });
    assert.deepEqual(await store.notifications.find(n.clientId, n.notificationId), row);

    const fresh = newNotification('pending', 'a-1');
    const again = await store.transaction((tx) =>
      tx.notifications.insertMany([
        { ...newNotification('pending'), notificationId: n.notificationId },
        fresh,
        { ...fresh, status: 'rejected' },
      ]),
    );
    // the taken id and the id given twice are skipped; the rest comes back
    assert.deepEqual(again, [{ ...fresh, updatedAt: received }]);
    assert.deepEqual(
      store.allNotifications().map((r) => [r.notificationId, r.status]),
      [
        ['b-2', 'registered'],
        ['a-1', 'pending'],
      ],
    );
    assert.deepEqual(await store.transaction((tx) => tx.notifications.insertMany([])), []);
  });

  it('claimPending returns pending notifications oldest first, up to the limit', async () => {
    const store = new MemoryStore();
    const later = { ...newNotification('pending', 'p-1'), receivedAt: new Date(received.getTime() + 1000) };
    await store.transaction((tx) =>
      tx.notifications.insertMany([
        later,
        newNotification('pending', 'p-2'),
        newNotification('registered', 'r-1'),
      ]),
    );
    const claimed = await store.transaction((tx) => tx.notifications.claimPending(5));
    assert.deepEqual(
      claimed.map((n) => n.notificationId),
      ['p-2', 'p-1'],
    );
    assert.equal((await store.transaction((tx) => tx.notifications.claimPending(1))).length, 1);
  });

  it('attempt undoes the writes made inside it when it throws, and keeps earlier ones', async () => {
    const store = new MemoryStore();
    await store.transaction(async (tx) => {
      await tx.register.claimPersons([claimable(A2, '2026-11-21')]);
      await assert.rejects(
        tx.attempt(async () => {
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          await tx.register.claimPersons([claimable(A4, '2026-11-21')]);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await tx.register.lockPersons([A4]), []);
      assert.deepEqual(
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: { signIndex: 0, number: 4 } }]),
        [{ signIndex: 0, number: 4 }],
      );
    });
    assert.ok(store.person(A2));
    assert.equal(store.person(A4), undefined);
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 4 });
  });

  it('a transaction that throws leaves nothing behind: no person, no series move, no notification', async () => {
    const store = new MemoryStore();
    store.seedCodeSeries(FEMALE_21, { signIndex: 0, number: 6 });
    await assert.rejects(
      store.transaction(async (tx) => {
        const [position] = await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        assert.deepEqual(position, { signIndex: 0, number: 6 });
        await tx.register.claimPersons([claimable(hetu('211126', 'A', 8), '2026-11-21')]);
        await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 8 } }]);
        await tx.register.lockCodeSeries([{ key: MALE_21, initial: START }]);
        await tx.notifications.insertMany([newNotification()]);
        throw new Error('rollback');
      }),
      /rollback/,
    );
    assert.equal(store.personCount(), 0);
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
    assert.equal(store.codeSeries(MALE_21), undefined);
    assert.deepEqual(store.allNotifications(), []);
    assert.equal(store.rollbacks, 1);
    assert.equal(store.commits, 0);
  });

  it('shows a transaction’s writes to others only once it commits', async () => {
    const store = new MemoryStore();
    const n = newNotification();
    const held = gate();
    const written = gate();
    const tx = store.transaction(async (t) => {
      await t.register.claimPersons([claimable(A2, '2026-11-21')]);
      await t.notifications.insertMany([n]);
      written.open();
      await held.opened;
    });
    await written.opened;
    assert.equal(await store.notifications.find(n.clientId, n.notificationId), undefined);
    assert.equal(store.person(A2), undefined);
    held.open();
    await tx;
    assert.ok(await store.notifications.find(n.clientId, n.notificationId));
    assert.ok(store.person(A2));
  });

  it('runs transactions one at a time', async () => {
    const store = new MemoryStore();
    const order: string[] = [];
    const held = gate();
    const first = store.transaction(async () => {
      order.push('first starts');
      await held.opened;
      order.push('first ends');
    });
    const second = store.transaction(async () => {
      order.push('second starts');
    });
    await turn();
    held.open();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first starts', 'first ends', 'second starts']);
  });

  it('a failed statement aborts the transaction until a savepoint is rolled back to', async () => {
    const store = new MemoryStore();
    store.failNext('claimPersons', new Error('connection reset by peer'));
    await store.transaction(async (tx) => {
      await assert.rejects(
        tx.attempt(() => tx.register.claimPersons([claimable(A2, '2026-11-21')])),
        /connection reset/,
      );
      // the savepoint is rolled back to, so the transaction goes on
      assert.deepEqual(await tx.register.claimPersons([claimable(A2, '2026-11-21')]), new Set([A2]));
    });
    assert.ok(store.person(A2));

    store.failNext('lockCodeSeries', new Error('connection reset by peer'));
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]).catch(() => undefined);
        await assert.rejects(tx.register.lockPersons([MOTHER]), /current transaction is aborted/);
        await assert.rejects(
          tx.notifications.insertMany([newNotification()]),
          /current transaction is aborted/,
        );
      }),
      /committed after a failed statement/,
    );
    assert.equal(store.codeSeries(FEMALE_21), undefined);
    assert.deepEqual(store.allNotifications(), []);
  });

  it('a statement swallowed inside attempt still rolls the savepoint back (its RELEASE fails)', async () => {
    const store = new MemoryStore();
    store.failNext('claimPersons', new Error('connection reset by peer'));
    await store.transaction(async (tx) => {
      await assert.rejects(
        tx.attempt(async () => {
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          await tx.register.claimPersons([claimable(A2, '2026-11-21')]).catch(() => undefined);
        }),
        /current transaction is aborted/,
      );
      assert.deepEqual(
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: { signIndex: 0, number: 4 } }]),
        [{ signIndex: 0, number: 4 }],
      );
    });
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 4 });
  });

  describe('held-back writes (write-behind, as store.ts)', () => {
    const died = { personalIdentityCode: MOTHER, date: '2026-11-22', latestDate: '2026-11-22' };

    it('sends nothing when called; the next statement sends them first, each on its own', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      const seen = await store.transaction(async (tx) => {
        await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 2 } }]);
        await tx.register.markDeceased([died]);
        assert.equal(store.statements.length, 1);
        const persons = await tx.register.lockPersons([MOTHER]);
        const series = await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
        return [persons[0]?.deathDate, series[0]];
      });
      assert.deepEqual(seen, ['2026-11-22', { signIndex: 0, number: 2 }]);
      assert.deepEqual(
        store.statements.map((s) => s.op),
        ['lockCodeSeries', 'saveCodeSeries', 'markDeceased', 'lockPersons', 'lockCodeSeries'],
      );
    });

    it('ride along with the next insertMany, in one statement', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      await store.transaction(async (tx) => {
        await tx.register.markDeceased([died]);
        await tx.notifications.insertMany([newNotification()]);
      });
      assert.deepEqual(store.statements, [
        { op: 'insertMany', rows: 1, carrying: [{ op: 'markDeceased', rows: 1 }] },
      ]);
      assert.equal(store.person(MOTHER)?.deathDate, '2026-11-22');
    });

    it('go out before the commit when nothing else is sent', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      await store.transaction((tx) => tx.register.markDeceased([died]));
      assert.deepEqual(
        store.statements.map((s) => s.op),
        ['markDeceased'],
      );
      assert.equal(store.person(MOTHER)?.deathDate, '2026-11-22');
    });

    it('fail where they are sent: the insert carrying one fails as a whole', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      store.failNext('markDeceased', new Error('lock timeout'));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.register.markDeceased([died]);
          await tx.notifications.insertMany([newNotification()]);
        }),
        /lock timeout/,
      );
      assert.deepEqual(store.allNotifications(), []);
      assert.equal(store.person(MOTHER)?.deathDate, null);

      store.failNext('saveCodeSeries', new Error('lock timeout'));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
          await tx.register.saveCodeSeries([{ key: FEMALE_21, position: { signIndex: 0, number: 2 } }]);
        }),
        /lock timeout/,
      );
      assert.equal(store.codeSeries(FEMALE_21), undefined);
    });

    it('inside a savepoint: sent at its release (failing there rolls it back), dropped when it is rolled back to', async () => {
      const store = new MemoryStore();
      await store.loadPersons([alive(MOTHER, '1952-10-13')]);
      store.failNext('markDeceased', new Error('lock timeout'));
      await store.transaction(async (tx) => {
        await assert.rejects(
          tx.attempt(async () => {
            await tx.register.claimPersons([claimable(A2, '2026-11-21')]);
            await tx.register.markDeceased([died]);
          }),
          /lock timeout/,
        );
        await assert.rejects(
          tx.attempt(async () => {
            await tx.register.markDeceased([died]);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await tx.register.lockPersons([A2]), []);
      });
      assert.equal(store.person(MOTHER)?.deathDate, null);
      assert.equal(store.person(A2), undefined);
      assert.deepEqual(
        store.statements.map((s) => s.op),
        ['claimPersons', 'markDeceased', 'lockPersons'],
      );
    });
  });

  it('failNext arms a fault for as many statements as asked', async () => {
    const store = new MemoryStore();
    store.failNext('insertMany', new Error('disk full'), 2);
    for (let i = 0; i < 2; i += 1) {
      await assert.rejects(
        store.transaction((tx) => tx.notifications.insertMany([newNotification()])),
        /disk full/,
      );
    }
    assert.equal(
      (await store.transaction((tx) => tx.notifications.insertMany([newNotification()]))).length,
      1,
    );
  });

  it('runs a transaction again after a transient failure, up to MAX_ATTEMPTS in all', async () => {
    const store = new MemoryStore();
    assert.equal(store.isTransient(deadlock()), true);
    assert.equal(store.isTransient(pgError('40001', 'could not serialize access')), true);
    assert.equal(store.isTransient(pgError('23505', 'duplicate key')), false);
    assert.equal(store.isTransient(new Error('deadlock detected')), false);

    store.failNext('claimPersons', deadlock(), MAX_ATTEMPTS - 1);
    let runs = 0;
    const added = await store.transaction(async (tx) => {
      runs += 1;
      await tx.register.lockCodeSeries([{ key: FEMALE_21, initial: START }]);
      return tx.register.claimPersons([claimable(A2, '2026-11-21')]);
    });
    assert.deepEqual(added, new Set([A2]));
    assert.deepEqual([runs, store.rollbacks, store.commits], [MAX_ATTEMPTS, MAX_ATTEMPTS - 1, 1]);

    store.failNext('lockPersons', deadlock(), MAX_ATTEMPTS);
    await assert.rejects(
      store.transaction((tx) => tx.register.lockPersons([MOTHER])),
      /deadlock/,
    );
    assert.equal(store.rollbacks, 2 * MAX_ATTEMPTS - 1);

    // anything else is not run again
    runs = 0;
    await assert.rejects(
      store.transaction(async () => {
        runs += 1;
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(runs, 1);
  });

  it('loads a known person again by updating only the death date', async () => {
    const store = new MemoryStore();
    await store.loadPersons([{ ...person(MOTHER, '1952-10-13'), deathDate: null }]);
    const counts = await store.loadPersons([
      { ...person(MOTHER, '1999-01-01'), temporary: true, deathDate: '2026-01-01' },
      { ...person(MOTHER2, '1990-05-15'), deathDate: null },
    ]);
    assert.deepEqual(counts, { created: 1, updated: 1 });
    assert.deepEqual(store.person(MOTHER), {
      ...person(MOTHER, '1952-10-13'),
      deathDate: '2026-01-01',
      deathDateLatest: '2026-01-01',
    });
  });

  it('hands out copies, not its own records', async () => {
    const store = new MemoryStore();
    await store.loadPersons([{ ...person(MOTHER, '1952-10-13'), deathDate: null }]);
    const seen = store.person(MOTHER);
    if (seen) seen.deathDate = '2026-01-01';
    assert.equal(store.person(MOTHER)?.deathDate, null);
  });
});
