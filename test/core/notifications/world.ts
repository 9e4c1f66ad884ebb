import assert from 'node:assert/strict';
import type { Channel, Client } from '../../../src/core/clients/client';
import { type DomainError, isDomainError } from '../../../src/core/errors';
import { seriesStart } from '../../../src/core/notifications/code-allocation';
import type { StoredNotification } from '../../../src/core/notifications/notification';
import { NotificationService } from '../../../src/core/notifications/notification-service';
import type { Logger, RegisterGuard } from '../../../src/core/ports';
import type { CodeSeriesKey } from '../../../src/core/register/person';
import { fixedClock, type TestClock } from '../../helpers/clock';
import { MemoryStore } from '../fakes/memory-store';
import type { Json } from '../validation-helpers';

/**
 * What the NotificationService behaviour files share: an in-memory store with
 * the standard persons, a fixed clock, a switchable register guard, a
 * recording logger, and the helpers the cases use.
 */
export const NOW = '2026-11-23T10:00:00.000Z';

export const MOTHER = '131052-308T'; // 1952-10-13, permanent
export const MOTHER2 = '150590-302N'; // 1990-05-15, permanent
export const ELDERLY = '010150-123A'; // 1950-01-01, male, permanent
export const DECEASED_MOTHER = '020290-322H'; // 1990-02-02, died 2026-11-01
export const SANDBOX_MOTHER = '150590-9021'; // 1990-05-15, temporary (902)
export const NEWBORN = '201126A002J'; // born 2026-11-20

export function client(id: string, sandbox: boolean): Client {
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

export const PRODUCTION = client('FI/GOV/0123456-7/synnytys', false);
export const OTHER = client('FI/GOV/7654321-0/toinen', false);
export const SANDBOX = client('FI-TEST/GOV/0123456-7/testi', true);

/** A guard that passes calls through, or fails them at once with a plain Error while `down`. */
export class SwitchGuard implements RegisterGuard {
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
export function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Lets the event loop take one turn. */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg: string;
}

/** Silent, but keeps what was logged so tests can look. */
export function recordingLogger(entries: LogEntry[]): Logger {
  return {
    info: (fields, msg) => void entries.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => void entries.push({ level: 'warn', fields, msg }),
    error: (fields, msg) => void entries.push({ level: 'error', fields, msg }),
  };
}

export interface World {
  store: MemoryStore;
  clock: TestClock;
  guard: SwitchGuard;
  logs: LogEntry[];
  service: NotificationService;
}

export async function world(): Promise<World> {
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

export async function submitBirth(w: World, input: Json, c = PRODUCTION, channel: Channel = 'rest') {
  return w.service.submit(c, channel, 'birth', input);
}

export async function submitDeath(w: World, input: Json, c = PRODUCTION, channel: Channel = 'rest') {
  return w.service.submit(c, channel, 'death', input);
}

/**
 * The statements (round trips) the store was sent, as `op(rows)`, e.g. `claimPersons(3)`, and
 * `insertLast(2) carrying saveCodeSeries(1)` for held-back writes sent along with the insert.
 */
export function statements(store: MemoryStore): string[] {
  const show = (s: { op: string; rows: number }) => `${s.op}(${s.rows})`;
  return store.statements.map((s) =>
    s.carrying ? `${show(s)} carrying ${s.carrying.map(show).join(', ')}` : show(s),
  );
}

/** How many notifications each batch transaction tried to store. */
export function batchSizes(store: MemoryStore): number[] {
  return store.statements.filter((s) => s.op === 'insertLast').map((s) => s.rows);
}

export async function registeredCode(w: World, input: Json, c = PRODUCTION): Promise<string> {
  const { record } = await submitBirth(w, input, c);
  assert.equal(record.status, 'registered', JSON.stringify(record.rejection));
  assert.ok(record.childCode, 'a registered birth has a child code');
  return record.childCode;
}

export async function rejectedWith(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (e) {
    if (isDomainError(e)) return e;
    throw e;
  }
  return assert.fail('expected a DomainError');
}

/**
 * No code of this series was handed out: the series is absent, or at its
 * start (a birth refused after the locks were taken leaves its series locked
 * and created, but unmoved).
 */
export function assertNoCodeHandedOut(store: MemoryStore, key: CodeSeriesKey): void {
  const at = store.codeSeries(key);
  if (at !== undefined) assert.deepEqual(at, seriesStart(key));
}

export function assertRejected(record: StoredNotification, code: string, field: string): void {
  assert.equal(record.status, 'rejected');
  assert.equal(record.childCode, null);
  assert.equal(record.registeredAt, null);
  assert.equal(record.rejection?.code, code);
  assert.deepEqual(
    record.rejection?.fieldErrors.map((f) => [f.field, f.code]),
    [[field, code]],
  );
}

export function assertNoCodesIn(text: string, ...codes: string[]): void {
  for (const c of codes) assert.ok(!text.includes(c) && !text.includes(c.slice(0, 6)), `${text} leaks ${c}`);
}

export const FEMALE_21: CodeSeriesKey = { birthDate: '2026-11-21', pool: 'permanent', parity: 0 };
export const MALE_21: CodeSeriesKey = { birthDate: '2026-11-21', pool: 'permanent', parity: 1 };
