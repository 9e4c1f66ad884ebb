import assert from 'node:assert/strict';
import type { Channel, Client } from '../../src/core/clients/client';
import { type DomainError, isDomainError } from '../../src/core/errors';
import { parseHetu } from '../../src/core/hetu/hetu';
import { validateBirth } from '../../src/core/notifications/birth';
import { fingerprint } from '../../src/core/notifications/fingerprint';
import { NotificationService, rejectionError } from '../../src/core/notifications/notification-service';
import type {
  CodeSeriesKey,
  CodeSeriesRun,
  Logger,
  NewNotification,
  NotificationStatus,
  RegisterGuard,
  StoredNotification,
} from '../../src/core/ports';
import { fixedClock, type TestClock } from '../helpers/clock';
import { MemoryStore } from './fakes/memory-store';
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
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.calls += 1;
    if (this.down) throw new Error('circuit open: register unavailable');
    return fn();
  }
}

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
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 5, number: 898 });
      // boys of the same day are unaffected
      assert.equal(await registeredCode(w, birth({ sex: 'male' })), hetu('211126', 'A', 3));
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

    it('registers and stores a new notification in one transaction, without reading first', async () => {
      let reads = 0;
      const find = w.store.notifications.find;
      w.store.notifications.find = (clientId, notificationId) => {
        reads += 1;
        return find(clientId, notificationId);
      };
      const input = birth();
      await registeredCode(w, input);
      assert.deepEqual([w.store.commits, w.store.rollbacks, reads], [1, 0, 0]);

      // a replay registers again in a transaction that is rolled back, then reads the stored result
      await submitBirth(w, input);
      assert.deepEqual([w.store.commits, w.store.rollbacks, reads], [1, 1, 1]);
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
      assert.deepEqual([a.replayed, b.replayed].sort(), [false, true]);
      assert.equal(a.record.childCode, hetu('211126', 'A', 2));
      assert.equal(b.record.childCode, a.record.childCode);
      assert.equal(w.store.person(hetu('211126', 'A', 4)), undefined);
    });

    it('concurrent births of the same day get distinct codes', async () => {
      const results = await Promise.all([1, 2, 3, 4].map(() => submitBirth(w, birth())));
      const codes = results.map((r) => r.record.childCode).sort();
      assert.deepEqual(
        codes,
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

    it('a register failure after the code was taken leaves no trace: the code is not burnt', async () => {
      w.store.failNext('claimPerson', new Error('connection reset by peer'));
      const input = birth();
      const { record } = await submitBirth(w, input);
      assert.equal(record.status, 'pending');
      assert.equal(record.childCode, null);
      // the rollback undid the series advance made before the failure
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

    it('a register failure in processPending undoes only that notification’s writes and stops the batch', async () => {
      w.guard.down = true;
      const inputs = [birth(), birth(), birth()];
      for (const input of inputs) {
        await submitBirth(w, input);
        w.clock.advance(1000);
      }
      w.guard.down = false;
      await w.service.processPending(1);
      w.logs.length = 0;
      // the second notification's code is taken, then the register fails
      w.store.failNext('claimPerson', new Error('connection reset by peer'));
      assert.equal(await w.service.processPending(), 0);
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

    it('a rejection in processPending undoes its own series advance and keeps the batch’s registrations', async () => {
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
      assert.deepEqual(w.store.codeSeries(FEMALE_21), { signIndex: 5, number: 898 });
      assert.ok(w.store.person(hetu('211126', 'F', 898)));
      assert.equal(w.store.personCount(), 7);
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
  const FEMALE_RUN: CodeSeriesRun = { first: 2, last: 898 };
  const received = new Date(NOW);

  function newNotification(status: NotificationStatus = 'pending'): NewNotification {
    const content = validateBirth(birth(), { now: new Date(NOW), sandbox: false });
    return {
      clientId: PRODUCTION.id,
      notificationId: content.notificationId,
      kind: 'birth',
      channel: 'rest',
      fingerprint: fingerprint(content),
      sandbox: false,
      content,
      status,
      childCode: status === 'registered' ? hetu('211126', 'A', 2) : null,
      rejection: null,
      receivedAt: received,
      registeredAt: status === 'registered' ? received : null,
    };
  }

  it('claimPerson adds a person unless the code is taken', async () => {
    const store = new MemoryStore();
    await store.loadPersons([{ ...person(MOTHER, '1952-10-13'), deathDate: '2026-01-01' }]);
    await store.transaction(async (tx) => {
      assert.equal(await tx.register.claimPerson(person(hetu('211126', 'A', 2), '2026-11-21')), true);
      assert.equal(await tx.register.claimPerson(person(hetu('211126', 'A', 2), '2026-11-21')), false);
      assert.equal(
        await tx.register.claimPerson({ ...person(MOTHER, '2000-01-01'), temporary: true }),
        false,
      );
    });
    assert.deepEqual(store.person(hetu('211126', 'A', 2)), {
      ...person(hetu('211126', 'A', 2), '2026-11-21'),
      deathDate: null,
      deathDateLatest: null,
    });
    // the taken code keeps its person as it was
    assert.deepEqual(store.person(MOTHER), {
      ...person(MOTHER, '1952-10-13'),
      deathDate: '2026-01-01',
      deathDateLatest: '2026-01-01',
    });
    assert.equal(store.personCount(), 2);
  });

  it('advanceCodeSeries starts a series at the first number, steps by two and rolls over to the next sign', async () => {
    const store = new MemoryStore();
    const positions = await store.transaction(async (tx) => [
      await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN),
      await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN),
      await tx.register.advanceCodeSeries(MALE_21, { first: 3, last: 899 }),
    ]);
    assert.deepEqual(positions, [
      { signIndex: 0, number: 2 },
      { signIndex: 0, number: 4 },
      { signIndex: 0, number: 3 },
    ]);
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 4 });

    store.seedCodeSeries(FEMALE_21, { signIndex: 2, number: 896 });
    const next = await store.transaction(async (tx) => [
      await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN),
      await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN),
      await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN),
    ]);
    assert.deepEqual(next, [
      { signIndex: 2, number: 898 },
      { signIndex: 3, number: 2 },
      { signIndex: 3, number: 4 },
    ]);
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 3, number: 4 });
  });

  it('insert stores the notification as given, updated when received, and refuses a taken id', async () => {
    const store = new MemoryStore();
    const n = newNotification('registered');
    const row = await store.transaction((tx) => tx.notifications.insert(n));
    assert.deepEqual(row, { ...n, updatedAt: received });
    assert.deepEqual(await store.notifications.find(n.clientId, n.notificationId), row);

    const again = await store.transaction((tx) =>
      tx.notifications.insert({ ...newNotification('pending'), notificationId: n.notificationId }),
    );
    assert.equal(again, undefined);
    assert.deepEqual(store.allNotifications(), [row]);
  });

  it('attempt undoes the writes made inside it when it throws, and keeps earlier ones', async () => {
    const store = new MemoryStore();
    await store.transaction(async (tx) => {
      await tx.register.claimPerson(person(hetu('211126', 'A', 2), '2026-11-21'));
      await assert.rejects(
        tx.attempt(async () => {
          await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN);
          await tx.register.claimPerson(person(hetu('211126', 'A', 4), '2026-11-21'));
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await tx.register.findPerson(hetu('211126', 'A', 4)), undefined);
      assert.deepEqual(await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN), {
        signIndex: 0,
        number: 2,
      });
    });
    assert.ok(store.person(hetu('211126', 'A', 2)));
    assert.equal(store.person(hetu('211126', 'A', 4)), undefined);
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 2 });
  });

  it('a transaction that throws leaves nothing behind: no person, no series advance, no notification', async () => {
    const store = new MemoryStore();
    store.seedCodeSeries(FEMALE_21, { signIndex: 0, number: 6 });
    await assert.rejects(
      store.transaction(async (tx) => {
        const position = await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN);
        assert.deepEqual(position, { signIndex: 0, number: 8 });
        await tx.register.claimPerson(person(hetu('211126', 'A', 8), '2026-11-21'));
        await tx.notifications.insert(newNotification());
        throw new Error('rollback');
      }),
      /rollback/,
    );
    assert.equal(store.personCount(), 0);
    assert.deepEqual(store.codeSeries(FEMALE_21), { signIndex: 0, number: 6 });
    assert.deepEqual(store.allNotifications(), []);
    assert.equal(store.rollbacks, 1);
    assert.equal(store.commits, 0);
  });

  it('shows a transaction’s writes to others only once it commits', async () => {
    const store = new MemoryStore();
    const n = newNotification();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted = () => {};
    const insertedYet = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const tx = store.transaction(async (t) => {
      await t.register.claimPerson(person(hetu('211126', 'A', 2), '2026-11-21'));
      await t.notifications.insert(n);
      inserted();
      await held;
    });
    await insertedYet;
    assert.equal(await store.notifications.find(n.clientId, n.notificationId), undefined);
    assert.equal(store.person(hetu('211126', 'A', 2)), undefined);
    release();
    await tx;
    assert.ok(await store.notifications.find(n.clientId, n.notificationId));
    assert.ok(store.person(hetu('211126', 'A', 2)));
  });

  it('a failed statement aborts the transaction until a savepoint is rolled back to', async () => {
    const store = new MemoryStore();
    store.failNext('claimPerson', new Error('connection reset by peer'));
    await store.transaction(async (tx) => {
      await assert.rejects(
        tx.attempt(() => tx.register.claimPerson(person(hetu('211126', 'A', 2), '2026-11-21'))),
        /connection reset/,
      );
      // the savepoint is rolled back to, so the transaction goes on
      assert.equal(await tx.register.claimPerson(person(hetu('211126', 'A', 2), '2026-11-21')), true);
    });
    assert.ok(store.person(hetu('211126', 'A', 2)));

    store.failNext('advanceCodeSeries', new Error('connection reset by peer'));
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.register.advanceCodeSeries(FEMALE_21, FEMALE_RUN).catch(() => undefined);
        await assert.rejects(tx.register.findPerson(MOTHER), /current transaction is aborted/);
      }),
      /committed after a failed statement/,
    );
    assert.equal(store.codeSeries(FEMALE_21), undefined);
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
