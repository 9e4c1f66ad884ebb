import type { ChannelException, Client } from '../../../src/core/clients/client';
import type { AuditEntry, ClientRecordInput } from '../../../src/core/clients/records';
import { isDomainError } from '../../../src/core/errors';
import {
  type NewNotification,
  NOT_YET_TRIED,
  type RegisterAnswer,
  type Rejection,
  type StoredNotification,
} from '../../../src/core/notifications/notification';
import {
  type ClientRepository,
  CodeHeld,
  type NotificationRepository,
  NotificationStoredMeanwhile,
  type NotificationWriter,
  type RegisterPort,
  type RegistrationLog,
  type Store,
  type Transaction,
} from '../../../src/core/ports';
import type {
  CodeSeriesKey,
  CodeSeriesPosition,
  NewPerson,
  Person,
  PersonLoad,
} from '../../../src/core/register/person';

/** Everything a transaction may change; snapshotted and restored as a whole. */
interface State {
  notifications: Map<string, StoredNotification>;
  persons: Map<string, Person>;
  /** A newborn's mother (persons.mother_code), by the child's code. */
  mothers: Map<string, string>;
  series: Map<string, CodeSeriesPosition>;
  /** register_requests: the first answer per idempotency key. */
  registrations: Map<string, { fingerprint: string; answer: RegisterAnswer | null }>;
  /** audit_log rows of notification changes (written in the same statement as the change). */
  audit: AuditEntry[];
}

/** The statements a transaction can send, by the port method that sends them. */
export type Operation = keyof RegisterPort | keyof NotificationWriter | keyof RegistrationLog;

/** The writes the SQL store holds back and sends later (src/infra/pg/write-behind.ts). */
const HELD_BACK = ['markDeceased', 'saveCodeSeries', 'claimPersons'] as const;
type HeldBack = (typeof HELD_BACK)[number];

/**
 * One statement (one round trip) sent inside a transaction: which, and how
 * many items it carried (codes, persons, deaths, series or rows; 1 for a
 * single-row statement; the limit for claimPending); for an insertMany, the
 * held-back writes it carried along as CTEs.
 */
export interface Statement {
  op: Operation;
  rows: number;
  carrying?: { op: HeldBack; rows: number }[];
}

/** Like store.ts: a transaction that fails transiently is run again, up to this many times in all. */
export const MAX_ATTEMPTS = 5;

const SQLSTATE = {
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  cardinalityViolation: '21000',
};

/** An error as the pg driver raises it: a message and a SQLSTATE `code`. */
export function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

export const deadlock = () => pgError(SQLSTATE.deadlockDetected, 'deadlock detected');

export function seriesKey(key: CodeSeriesKey): string {
  return `${key.birthDate}|${key.pool}|${key.parity}`;
}

function notificationKey(clientId: string, notificationId: string): string {
  return `${clientId}\u0000${notificationId}`;
}

/** What a jsonb column gives back: a plain JSON copy. */
function jsonb<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * An in-memory Store that keeps the promises of src/core/ports.ts with the
 * semantics of the SQL in src/infra/pg:
 * - transactions run one at a time (a queue stands in for row locks); each
 *   works on its own copy of the state, which replaces the committed state
 *   only when its function returns, so a transaction that throws leaves
 *   nothing behind and reads outside a transaction see only committed data;
 * - a transaction that fails transiently (deadlock, serialization failure:
 *   `isTransient`) is run again from the start, like store.ts does;
 * - `attempt` is a savepoint: writes made inside it are undone when it throws;
 * - a failed statement (see `failNext`) aborts the transaction as PostgreSQL
 *   does: every later statement fails until a savepoint is rolled back to,
 *   and the transaction cannot commit;
 * - write-behind, as store.ts: markDeceased, saveCodeSeries and an unchecked
 *   claimPersons send nothing when called; they are held back until the next
 *   statement (sent first, each on its own), the next insertMany or insertLast
 *   (carried inside it: if one fails, the insert fails), a savepoint's
 *   release, or the commit. That is where their failures surface (an
 *   unchecked claim of a held code as CodeHeld); a savepoint rolled back to
 *   drops those held in it;
 * - insertLast is the transaction's last statement: it fails the whole
 *   transaction when an id is taken (NotificationStoredMeanwhile), and no
 *   statement may follow it;
 * - a batch method given an empty list sends nothing, as the SQL adapters do;
 * - readers get copies, so callers cannot change stored state behind its back.
 */
export class MemoryStore implements Store {
  /** The committed state. */
  private state: State = {
    notifications: new Map(),
    persons: new Map(),
    mothers: new Map(),
    series: new Map(),
    registrations: new Map(),
    audit: [],
  };
  private readonly clientMap = new Map<string, Client>();
  private queue: Promise<unknown> = Promise.resolve();

  /** Armed failures of statements, to simulate the database or register failing mid-way. */
  private readonly faults = new Map<Operation, { error: Error; times: number }>();

  /** How many transactions (attempts) committed / rolled back; lets tests see what happened. */
  commits = 0;
  rollbacks = 0;
  /** Every statement sent inside a transaction, committed or not, in order (savepoints aside). */
  readonly statements: Statement[] = [];

  readonly notifications: NotificationRepository = {
    find: async (clientId, notificationId) => findNotification(this.state, clientId, notificationId),
    findMany: async (keys) => findNotifications(this.state, keys),
    listPending: async (needingAttention, limit) => pendingOf(this.state, needingAttention, limit),
    countPending: async () => countOf(this.state),
  };

  readonly clients: ClientRepository = {
    find: async (id) => {
      const c = this.clientMap.get(id);
      return c && structuredClone(c);
    },
    list: async () => [...this.clientMap.values()].map((c) => structuredClone(c)),
    insert: async (c: ClientRecordInput, at: Date) => {
      if (this.clientMap.has(c.id)) return false;
      this.clientMap.set(c.id, {
        ...structuredClone(c),
        exceptions: [],
        createdAt: new Date(at),
        updatedAt: new Date(at),
      });
      return true;
    },
    update: async (id, patch, at) => {
      const c = this.clientMap.get(id);
      if (!c) return false;
      this.clientMap.set(id, { ...c, ...structuredClone(patch), updatedAt: new Date(at) });
      return true;
    },
    addException: async (clientId, ex: Omit<ChannelException, 'revokedAt' | 'revokedBy'>) => {
      const c = this.clientMap.get(clientId);
      if (!c) throw new Error(`no client ${clientId}`);
      c.exceptions.push({ ...structuredClone(ex), revokedAt: null, revokedBy: null });
    },
    revokeException: async (clientId, exceptionId, by, at) => {
      const ex = this.clientMap.get(clientId)?.exceptions.find((e) => e.id === exceptionId);
      if (!ex || ex.revokedAt !== null) return false;
      ex.revokedAt = new Date(at);
      ex.revokedBy = by;
      return true;
    },
  };

  /** Like upsertPersons: a new code is inserted; a known one gets only its death date updated. */
  loadPersons(persons: PersonLoad[]): Promise<{ created: number; updated: number }> {
    return this.exclusive(async () => {
      let created = 0;
      for (const p of persons) {
        const existing = this.state.persons.get(p.personalIdentityCode);
        if (existing) {
          existing.deathDate = p.deathDate;
          existing.deathDateLatest = p.deathDate;
          continue;
        }
        created += 1;
        this.state.persons.set(p.personalIdentityCode, {
          personalIdentityCode: p.personalIdentityCode,
          birthDate: p.birthDate,
          sex: p.sex,
          temporary: p.temporary,
          deathDate: p.deathDate,
          deathDateLatest: p.deathDate,
        });
      }
      return { created, updated: persons.length - created };
    });
  }

  /** SQLSTATE 40001 and 40P01, as isRetryable in src/infra/pg/sqlstate.ts. */
  isTransient(err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code;
    return code === SQLSTATE.serializationFailure || code === SQLSTATE.deadlockDetected;
  }

  /** As the SQL store: the database cannot serve now (its adapters throw SERVICE_UNAVAILABLE then). */
  isUnavailable(err: unknown): boolean {
    return isDomainError(err) && err.code === 'SERVICE_UNAVAILABLE';
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.exclusive(() => this.once(fn));
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !this.isTransient(err)) throw err;
      }
    }
  }

  private async once<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const tx = new MemoryTransaction(structuredClone(this.state), (op, rows, carrying) =>
      this.statement(op, rows, carrying),
    );
    try {
      const result = await fn(tx);
      // The held-back writes go out before COMMIT.
      tx.flush();
      // COMMIT: PostgreSQL rolls back, instead, a transaction in which a statement failed.
      if (tx.failed) {
        throw new Error('the transaction was committed after a failed statement', { cause: tx.failed });
      }
      this.state = tx.state;
      this.commits += 1;
      return result;
    } catch (e) {
      this.rollbacks += 1;
      throw e;
    } finally {
      tx.closed = true;
    }
  }

  // ---- test helpers (not part of Store) ----

  /** Registers a client directly. */
  addClient(client: Client): void {
    this.clientMap.set(client.id, structuredClone(client));
  }

  /**
   * The next `times` statements of `operation` inside a transaction fail with
   * `error`, each aborting its transaction. An empty batch sends no statement
   * and so does not fail; a held-back write fails where it is finally sent.
   */
  failNext(operation: Operation, error: Error, times = 1): void {
    this.faults.set(operation, { error, times });
  }

  /** Puts a code series at the given position, as if earlier births had used it. */
  seedCodeSeries(key: CodeSeriesKey, position: CodeSeriesPosition): void {
    this.state.series.set(seriesKey(key), { ...position });
  }

  /** The committed position of a code series: the last one handed out. */
  codeSeries(key: CodeSeriesKey): CodeSeriesPosition | undefined {
    const s = this.state.series.get(seriesKey(key));
    return s && { ...s };
  }

  person(code: string): Person | undefined {
    const p = this.state.persons.get(code);
    return p && { ...p };
  }

  /** The codes of the children registered to this mother. */
  childrenOf(motherCode: string): string[] {
    return [...this.state.mothers].filter(([, m]) => m === motherCode).map(([child]) => child);
  }

  personCount(): number {
    return this.state.persons.size;
  }

  auditEntries(): AuditEntry[] {
    return structuredClone(this.state.audit);
  }

  allPersons(): Person[] {
    return [...this.state.persons.values()].map((p) => ({ ...p }));
  }

  allNotifications(): StoredNotification[] {
    return [...this.state.notifications.values()].map((n) => structuredClone(n));
  }

  /** Logs a statement, and throws the first fault armed for it or for a write it carries, if any. */
  private statement(op: Operation, rows: number, carrying?: { op: HeldBack; rows: number }[]): void {
    this.statements.push(carrying ? { op, rows, carrying } : { op, rows });
    for (const part of [...(carrying ?? []).map((c) => c.op), op]) {
      const fault = this.faults.get(part);
      if (!fault) continue;
      fault.times -= 1;
      if (fault.times <= 0) this.faults.delete(part);
      throw fault.error;
    }
  }

  /** Runs `fn` when every earlier transaction has ended. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function pendingOf(state: State, needingAttention: boolean, limit: number): StoredNotification[] {
  return [...state.notifications.values()]
    .filter((n) => n.status === 'pending' && (n.delivery.attentionSince !== null) === needingAttention)
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
    .slice(0, limit)
    .map((n) => structuredClone(n));
}

function countOf(state: State): { needsAttention: number; pending: number } {
  const pending = [...state.notifications.values()].filter((n) => n.status === 'pending');
  const needsAttention = pending.filter((n) => n.delivery.attentionSince !== null).length;
  return { needsAttention, pending: pending.length - needsAttention };
}

/** recordAnswers / settleByOperator on one pending row. */
function settleRow(n: StoredNotification, answer: RegisterAnswer, at: Date): void {
  const rejected = 'rejection' in answer;
  n.status = rejected ? 'rejected' : 'registered';
  n.childCode = 'childCode' in answer ? answer.childCode : null;
  n.rejection = 'rejection' in answer ? jsonb(answer.rejection) : null;
  n.registeredAt = rejected ? null : new Date(at);
  n.updatedAt = new Date(at);
  n.delivery = { ...n.delivery, nextAttemptAt: null, attentionSince: null };
}

function findNotification(state: State, clientId: string, notificationId: string) {
  const n = state.notifications.get(notificationKey(clientId, notificationId));
  return n && structuredClone(n);
}

function findNotifications(state: State, keys: readonly { clientId: string; notificationId: string }[]) {
  const unique = new Map(keys.map((k) => [notificationKey(k.clientId, k.notificationId), k]));
  return [...unique.values()].flatMap((k) => {
    const n = findNotification(state, k.clientId, k.notificationId);
    return n ? [n] : [];
  });
}

function compareKeys(a: NewNotification, b: NewNotification): number {
  if (a.clientId !== b.clientId) return a.clientId < b.clientId ? -1 : 1;
  return a.notificationId < b.notificationId ? -1 : a.notificationId > b.notificationId ? 1 : 0;
}

/** A write held back, with what it does once sent. */
interface HeldWrite {
  op: HeldBack;
  rows: number;
  apply: () => void;
}

/** One open transaction: its own copy of the state, savepoints, held-back writes and PostgreSQL's aborted state. */
class MemoryTransaction implements Transaction {
  closed = false;
  /** The statement that failed; the transaction accepts no other until a savepoint is rolled back to. */
  failed: Error | undefined;
  private held: HeldWrite[] = [];

  constructor(
    public state: State,
    private readonly send: (op: Operation, rows: number, carrying?: { op: HeldBack; rows: number }[]) => void,
  ) {}

  /** Throws like PostgreSQL when the transaction has ended or a statement in it has failed. */
  check(): void {
    if (this.closed) throw new Error('the transaction has already ended');
    if (this.failed) {
      throw new Error('current transaction is aborted, commands ignored until end of transaction block');
    }
  }

  /** Sends the held-back writes, each as its own statement (WriteBehind.flush). */
  flush(): void {
    for (let w = this.held.shift(); w; w = this.held.shift()) {
      this.sendOne(w.op, w.rows);
      this.fails(w.apply);
    }
  }

  /** Runs a statement's effect; when it throws (an unmet expectation), the statement failed. */
  private fails(effect: () => void): void {
    try {
      effect();
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
  }

  /** A statement: the held-back writes go first; a failure of either aborts the transaction. */
  private statement(op: Operation, rows: number, error?: Error): void {
    this.flush();
    this.sendOne(op, rows, error);
  }

  private sendOne(op: Operation, rows: number, error?: Error, carrying?: HeldWrite[]): void {
    this.check();
    try {
      this.send(
        op,
        rows,
        carrying?.map((c) => ({ op: c.op, rows: c.rows })),
      );
      if (error) throw error;
    } catch (e) {
      this.failed = e as Error;
      throw e;
    }
  }

  /** Holds a write back (WriteBehind.defer): nothing is sent, so nothing can fail yet. */
  /** A series' position, the series created at `initial` when missing. */
  private takeSeries(key: CodeSeriesKey, initial: CodeSeriesPosition): CodeSeriesPosition {
    const k = seriesKey(key);
    const found = this.state.series.get(k);
    if (found) return { ...found };
    this.state.series.set(k, { signIndex: initial.signIndex, number: initial.number });
    return { signIndex: initial.signIndex, number: initial.number };
  }

  /** INSERT … SELECT (sorted by key) … ON CONFLICT DO NOTHING RETURNING: the rows that went in. */
  private insertRows(rows: readonly NewNotification[]): StoredNotification[] {
    const inserted: StoredNotification[] = [];
    for (const n of [...rows].sort(compareKeys)) {
      const key = notificationKey(n.clientId, n.notificationId);
      if (this.state.notifications.has(key)) continue;
      const row: StoredNotification = {
        clientId: n.clientId,
        notificationId: n.notificationId,
        kind: n.kind,
        channel: n.channel,
        fingerprint: n.fingerprint,
        sandbox: n.sandbox,
        content: jsonb(n.content),
        status: n.status,
        childCode: n.childCode,
        rejection: n.rejection && jsonb(n.rejection),
        receivedAt: new Date(n.receivedAt),
        registeredAt: n.registeredAt && new Date(n.registeredAt),
        updatedAt: new Date(n.receivedAt),
        delivery: {
          ...NOT_YET_TRIED,
          attempts: n.delivery?.attempts ?? 0,
          nextAttemptAt: n.delivery?.nextAttemptAt ? new Date(n.delivery.nextAttemptAt) : null,
        },
      };
      this.state.notifications.set(key, row);
      inserted.push(structuredClone(row));
    }
    return inserted;
  }

  /** INSERT … ON CONFLICT DO NOTHING RETURNING: the codes that were free. */
  private addPersons(persons: readonly NewPerson[]): Set<string> {
    const added = new Set<string>();
    for (const p of persons) {
      if (this.state.persons.has(p.personalIdentityCode)) continue;
      this.state.persons.set(p.personalIdentityCode, {
        personalIdentityCode: p.personalIdentityCode,
        birthDate: p.birthDate,
        sex: p.sex,
        temporary: p.temporary,
        deathDate: null,
        deathDateLatest: null,
      });
      if (p.motherCode !== null) this.state.mothers.set(p.personalIdentityCode, p.motherCode);
      added.add(p.personalIdentityCode);
    }
    return added;
  }

  private holdBack(op: HeldBack, rows: number, apply: () => void): void {
    if (this.closed) throw new Error('the transaction has already ended');
    this.held.push({ op, rows, apply });
  }

  readonly notifications: NotificationWriter = {
    find: async (clientId, notificationId) => {
      this.statement('find', 1);
      return findNotification(this.state, clientId, notificationId);
    },
    findMany: async (keys) => {
      if (keys.length === 0) return [];
      this.statement('findMany', keys.length);
      return findNotifications(this.state, keys);
    },
    // INSERT … SELECT (sorted by key) … ON CONFLICT DO NOTHING RETURNING: a taken key is skipped, and so is
    // a key given twice (its first row goes in); updated_at is received_at; rows come back in insert order.
    // The held-back writes ride along as CTEs (WriteBehind.queryCarrying): one statement, failing as one.
    insertMany: async (rows: readonly NewNotification[]) => {
      if (rows.length === 0) return [];
      const carried = this.held;
      this.held = [];
      this.sendOne('insertMany', rows.length, undefined, carried);
      for (const w of carried) this.fails(w.apply);
      return this.insertRows(rows);
    },
    // The same insert as the transaction's last statement (WriteBehind.finish), with the commit behind it:
    // it fails, undoing the transaction, when a key is taken or a code claimed unchecked is held.
    insertLast: async (rows: readonly NewNotification[]) => {
      if (rows.length === 0) return [];
      const carried = this.held;
      this.held = [];
      this.sendOne('insertLast', rows.length, undefined, carried);
      this.fails(() => {
        if (rows.some((n) => this.state.notifications.has(notificationKey(n.clientId, n.notificationId))))
          throw new NotificationStoredMeanwhile();
      });
      for (const w of carried) this.fails(w.apply);
      const inserted = this.insertRows(rows);
      this.closed = true;
      return inserted;
    },
    // UPDATEs: no row, no change.
    markRegistered: async (clientId, notificationId, childCode, at) => {
      this.statement('markRegistered', 1);
      const n = this.state.notifications.get(notificationKey(clientId, notificationId));
      if (!n) return;
      n.status = 'registered';
      n.childCode = childCode;
      n.registeredAt = new Date(at);
      n.updatedAt = new Date(at);
    },
    markRejected: async (clientId, notificationId, rejection: Rejection, at) => {
      this.statement('markRejected', 1);
      const n = this.state.notifications.get(notificationKey(clientId, notificationId));
      if (!n) return;
      n.status = 'rejected';
      n.rejection = jsonb(rejection);
      n.updatedAt = new Date(at);
    },
    // … WHERE pending, not needing attention, due … ORDER BY next_attempt_at NULLS FIRST … SKIP LOCKED.
    claimDue: async (now, limit) => {
      this.statement('claimDue', limit);
      const due = (n: StoredNotification) =>
        n.status === 'pending' &&
        n.delivery.attentionSince === null &&
        (n.delivery.nextAttemptAt === null || n.delivery.nextAttemptAt <= now);
      const at = (n: StoredNotification) => n.delivery.nextAttemptAt?.getTime() ?? -Infinity;
      return [...this.state.notifications.values()]
        .filter(due)
        .sort((a, b) => at(a) - at(b) || a.receivedAt.getTime() - b.receivedAt.getTime())
        .slice(0, limit)
        .map((n) => structuredClone(n));
    },
    scheduleAttempts: async (rows) => {
      if (rows.length === 0) return;
      this.statement('scheduleAttempts', rows.length);
      for (const r of rows) {
        const n = this.state.notifications.get(notificationKey(r.clientId, r.notificationId));
        if (!n) continue;
        n.delivery.attempts = r.attempts;
        n.delivery.nextAttemptAt = new Date(r.nextAttemptAt);
      }
    },
    recordFailures: async (rows) => {
      if (rows.length === 0) return;
      this.statement('recordFailures', rows.length);
      for (const r of rows) {
        const n = this.state.notifications.get(notificationKey(r.clientId, r.notificationId));
        if (n?.status !== 'pending') continue;
        n.delivery.attempts = r.attempts;
        n.delivery.nextAttemptAt = new Date(r.nextAttemptAt);
        n.delivery.lastError = r.lastError ?? n.delivery.lastError;
        n.delivery.attentionSince = r.attentionSince && new Date(r.attentionSince);
      }
    },
    countPending: async () => {
      this.statement('countPending', 1);
      return countOf(this.state);
    },
    // WITH target … FOR UPDATE, changed AS (UPDATE …), logged AS (INSERT INTO audit_log …): one statement.
    requeueNeedingAttention: async (clientId, at, audit) => {
      this.statement('requeueNeedingAttention', 1);
      let count = 0;
      for (const n of this.state.notifications.values()) {
        if (n.status !== 'pending' || n.delivery.attentionSince === null) continue;
        if (clientId !== undefined && n.clientId !== clientId) continue;
        this.state.audit.push({
          at: new Date(at),
          operator: audit.operator,
          action: 'notification.retry',
          clientId: n.clientId,
          details: {
            notificationId: n.notificationId,
            kind: n.kind,
            attempts: n.delivery.attempts,
            ...structuredClone(audit.details),
          },
        });
        n.delivery = { ...n.delivery, attempts: 0, nextAttemptAt: new Date(at), attentionSince: null };
        count += 1;
      }
      return count;
    },
    listPending: async (needingAttention, limit) => {
      this.statement('listPending', limit);
      return pendingOf(this.state, needingAttention, limit);
    },
    // SELECT … FOR UPDATE (the fake runs one transaction at a time).
    findForUpdate: async (clientId, notificationId) => {
      this.statement('findForUpdate', 1);
      return findNotification(this.state, clientId, notificationId);
    },
    // UPDATE … WHERE status = 'pending' RETURNING, with its audit row in the same statement.
    requeue: async (key, at, audit) => {
      this.statement('requeue', 1);
      const n = this.state.notifications.get(notificationKey(key.clientId, key.notificationId));
      if (n?.status !== 'pending') return false;
      n.delivery = { ...n.delivery, attempts: 0, nextAttemptAt: new Date(at), attentionSince: null };
      this.state.audit.push(structuredClone(audit));
      return true;
    },
    settleByOperator: async (key, answer, at, audit) => {
      this.statement('settleByOperator', 1);
      const n = this.state.notifications.get(notificationKey(key.clientId, key.notificationId));
      if (n?.status !== 'pending') return false;
      settleRow(n, answer, at);
      this.state.audit.push(structuredClone(audit));
      return true;
    },
    recordAnswers: async (rows, at) => {
      if (rows.length === 0) return;
      this.statement('recordAnswers', rows.length);
      for (const r of rows) {
        const n = this.state.notifications.get(notificationKey(r.clientId, r.notificationId));
        if (n?.status !== 'pending') continue;
        settleRow(n, r.answer, at);
      }
    },
  };

  // INSERT … ON CONFLICT DO NOTHING RETURNING key; SELECT; UPDATE (the fake runs one transaction at a time).
  readonly registrations: RegistrationLog = {
    take: async (entries) => {
      if (entries.length === 0) return new Set();
      this.statement('take', entries.length);
      const taken = new Set<string>();
      for (const e of entries) {
        if (this.state.registrations.has(e.key)) continue;
        this.state.registrations.set(e.key, { fingerprint: e.fingerprint, answer: null });
        taken.add(e.key);
      }
      return taken;
    },
    find: async (keys) => {
      if (keys.length === 0) return new Map();
      this.statement('find', keys.length);
      const found = new Map<string, { fingerprint: string; answer: RegisterAnswer | null }>();
      for (const k of keys) {
        const r = this.state.registrations.get(k);
        if (r) found.set(k, jsonb(r));
      }
      return found;
    },
    record: async (answers) => {
      if (answers.length === 0) return;
      this.statement('record', answers.length);
      for (const a of answers) {
        const r = this.state.registrations.get(a.key);
        if (r) r.answer = jsonb(a.answer);
      }
    },
  };

  readonly register: RegisterPort = {
    // WHERE code = ANY($1) ORDER BY code FOR UPDATE: each existing person once (the fake runs one transaction at a time).
    lockPersons: async (codes) => {
      if (codes.length === 0) return [];
      this.statement('lockPersons', codes.length);
      const wanted = new Set(codes);
      return [...this.state.persons.values()]
        .filter((p) => wanted.has(p.personalIdentityCode))
        .map((p) => ({ ...p }));
    },
    // One statement: the persons' lock, then the series' (a series named twice fails it, as alone).
    lockPersonsAndSeries: async (codes, series) => {
      if (series.length === 0) return { persons: await this.register.lockPersons(codes), series: [] };
      const ids = series.map((s) => seriesKey(s.key));
      this.statement(
        'lockPersonsAndSeries',
        codes.length + series.length,
        ids.length !== new Set(ids).size
          ? pgError(
              SQLSTATE.cardinalityViolation,
              'ON CONFLICT DO UPDATE command cannot affect row a second time',
            )
          : undefined,
      );
      const wanted = new Set(codes);
      const persons = [...this.state.persons.values()]
        .filter((p) => wanted.has(p.personalIdentityCode))
        .map((p) => ({ ...p }));
      return { persons, series: series.map(({ key, initial }) => this.takeSeries(key, initial)) };
    },
    // INSERT … ON CONFLICT DO NOTHING RETURNING: a taken code is skipped, and so is a code given twice.
    claimPersons: async (persons, options) => {
      if (persons.length === 0) return new Set<string>();
      // Unchecked: held back (write-behind), every code taken as free; a held one fails the statement.
      if (options?.unchecked) {
        const copy = persons.map((p) => ({ ...p }));
        this.holdBack('claimPersons', copy.length, () => {
          if (copy.some((p) => this.state.persons.has(p.personalIdentityCode))) throw new CodeHeld();
          this.addPersons(copy);
        });
        return new Set(copy.map((p) => p.personalIdentityCode));
      }
      this.statement('claimPersons', persons.length);
      return this.addPersons(persons);
    },
    // UPDATE … FROM unnest(…): unknown codes change nothing. A code given twice gets one of its rows
    // (PostgreSQL does not say which; the fake takes the first).
    // Held back (write-behind).
    markDeceased: async (deaths) => {
      const copy = deaths.map((d) => ({ ...d }));
      this.holdBack('markDeceased', copy.length, () => {
        const done = new Set<string>();
        for (const d of copy) {
          const p = this.state.persons.get(d.personalIdentityCode);
          if (!p || done.has(d.personalIdentityCode)) continue;
          done.add(d.personalIdentityCode);
          p.deathDate = d.date;
          p.deathDateLatest = d.latestDate;
        }
      });
    },
    // SELECT mother_code, max(birth_date) … GROUP BY mother_code: mothers without children are absent.
    latestChildBirthDates: async (motherCodes) => {
      if (motherCodes.length === 0) return new Map<string, string>();
      this.statement('latestChildBirthDates', motherCodes.length);
      const wanted = new Set(motherCodes);
      const out = new Map<string, string>();
      for (const [child, mother] of this.state.mothers) {
        const born = this.state.persons.get(child)?.birthDate;
        if (!wanted.has(mother) || born === undefined) continue;
        const seen = out.get(mother);
        if (seen === undefined || seen < born) out.set(mother, born);
      }
      return out;
    },
    // INSERT … ON CONFLICT DO UPDATE (a no-op) RETURNING: a missing series is created at `initial`, a known
    // one keeps and returns its position. A series named twice fails the statement, as in PostgreSQL.
    lockCodeSeries: async (series) => {
      const ids = series.map((s) => seriesKey(s.key));
      const twice = ids.length !== new Set(ids).size;
      this.statement(
        'lockCodeSeries',
        series.length,
        twice
          ? pgError(
              SQLSTATE.cardinalityViolation,
              'ON CONFLICT DO UPDATE command cannot affect row a second time',
            )
          : undefined,
      );
      return series.map(({ key, initial }) => this.takeSeries(key, initial));
    },
    // UPDATE … FROM unnest(…), held back (write-behind): only existing series move; a series given twice
    // gets one of its rows (the first).
    saveCodeSeries: async (series) => {
      const copy = series.map(({ key, position }) => ({ k: seriesKey(key), position: { ...position } }));
      this.holdBack('saveCodeSeries', copy.length, () => {
        const done = new Set<string>();
        for (const { k, position } of copy) {
          if (!this.state.series.has(k) || done.has(k)) continue;
          done.add(k);
          this.state.series.set(k, position);
        }
      });
    },
  };

  // SAVEPOINT; RELEASE SAVEPOINT, or ROLLBACK TO SAVEPOINT when `fn` throws (or left a failed statement).
  // Both SAVEPOINT and RELEASE send the held-back writes first; a rollback drops those held since SAVEPOINT.
  async attempt<T>(fn: () => Promise<T>): Promise<T> {
    this.flush();
    this.check();
    const savepoint = structuredClone(this.state);
    const mark = this.held.length;
    try {
      const result = await fn();
      this.flush();
      this.check();
      return result;
    } catch (e) {
      if (this.closed) throw e;
      this.held.length = Math.min(mark, this.held.length);
      this.state = savepoint;
      this.failed = undefined;
      throw e;
    }
  }
}
