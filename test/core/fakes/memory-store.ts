import type { ChannelException, Client } from '../../../src/core/clients/client';
import type {
  ClientRecordInput,
  ClientRepository,
  CodeSeriesKey,
  CodeSeriesPosition,
  NewNotification,
  NotificationRepository,
  NotificationWriter,
  Person,
  PersonLoad,
  RegisterPort,
  Rejection,
  Store,
  StoredNotification,
  Transaction,
} from '../../../src/core/ports';

/** Everything a transaction may change; snapshotted and restored as a whole. */
interface State {
  notifications: Map<string, StoredNotification>;
  persons: Map<string, Person>;
  series: Map<string, CodeSeriesPosition>;
}

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
 * - `attempt` is a savepoint: writes made inside it are undone when it throws;
 * - a failed statement (see `failNext`) aborts the transaction as PostgreSQL
 *   does: every later statement fails until a savepoint is rolled back to;
 * - readers get copies, so callers cannot change stored state behind its back.
 */
export class MemoryStore implements Store {
  /** The committed state. */
  private state: State = { notifications: new Map(), persons: new Map(), series: new Map() };
  private readonly clientMap = new Map<string, Client>();
  private queue: Promise<unknown> = Promise.resolve();

  /** One-shot failures of register operations, to simulate the register failing mid-way. */
  private readonly faults = new Map<keyof RegisterPort, Error>();

  /** How many transactions committed / rolled back; lets tests see what happened. */
  commits = 0;
  rollbacks = 0;

  readonly notifications: NotificationRepository = {
    find: async (clientId, notificationId) => findNotification(this.state, clientId, notificationId),
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

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const tx = new MemoryTransaction(structuredClone(this.state), this.faults);
      try {
        const result = await fn(tx);
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
    });
  }

  // ---- test helpers (not part of Store) ----

  /** Registers a client directly. */
  addClient(client: Client): void {
    this.clientMap.set(client.id, structuredClone(client));
  }

  /** The next call of `operation` inside a transaction fails with `error` (once), aborting the transaction. */
  failNext(operation: keyof RegisterPort, error: Error): void {
    this.faults.set(operation, error);
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

  personCount(): number {
    return this.state.persons.size;
  }

  allNotifications(): StoredNotification[] {
    return [...this.state.notifications.values()].map((n) => structuredClone(n));
  }

  /** Runs `fn` when every earlier transaction has ended. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function findNotification(state: State, clientId: string, notificationId: string) {
  const n = state.notifications.get(notificationKey(clientId, notificationId));
  return n && structuredClone(n);
}

/** One open transaction: its own copy of the state, savepoints and PostgreSQL's aborted state. */
class MemoryTransaction implements Transaction {
  closed = false;
  /** The statement that failed; the transaction accepts no other until a savepoint is rolled back to. */
  failed: Error | undefined;

  constructor(
    public state: State,
    private readonly faults: Map<keyof RegisterPort, Error>,
  ) {}

  /** Throws like PostgreSQL when the transaction has ended or a statement in it has failed. */
  check(): void {
    if (this.closed) throw new Error('the transaction has already ended');
    if (this.failed) {
      throw new Error('current transaction is aborted, commands ignored until end of transaction block');
    }
  }

  /** A statement: fails when a fault is armed for it, which aborts the transaction. */
  private statement(operation?: keyof RegisterPort): void {
    this.check();
    const error = operation && this.faults.get(operation);
    if (error) {
      this.faults.delete(operation);
      this.failed = error;
      throw error;
    }
  }

  readonly notifications: NotificationWriter = {
    find: async (clientId, notificationId) => {
      this.statement();
      return findNotification(this.state, clientId, notificationId);
    },
    // INSERT … ON CONFLICT DO NOTHING RETURNING: updated_at is received_at.
    insert: async (n: NewNotification) => {
      this.statement();
      const key = notificationKey(n.clientId, n.notificationId);
      if (this.state.notifications.has(key)) return undefined;
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
      };
      this.state.notifications.set(key, row);
      return structuredClone(row);
    },
    // UPDATEs: no row, no change.
    markRegistered: async (clientId, notificationId, childCode, at) => {
      this.statement();
      const n = this.state.notifications.get(notificationKey(clientId, notificationId));
      if (!n) return;
      n.status = 'registered';
      n.childCode = childCode;
      n.registeredAt = new Date(at);
      n.updatedAt = new Date(at);
    },
    markRejected: async (clientId, notificationId, rejection: Rejection, at) => {
      this.statement();
      const n = this.state.notifications.get(notificationKey(clientId, notificationId));
      if (!n) return;
      n.status = 'rejected';
      n.rejection = jsonb(rejection);
      n.updatedAt = new Date(at);
    },
    claimPending: async (limit) => {
      this.statement();
      return [...this.state.notifications.values()]
        .filter((n) => n.status === 'pending')
        .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
        .slice(0, limit)
        .map((n) => structuredClone(n));
    },
  };

  readonly register: RegisterPort = {
    findPerson: async (code) => {
      this.statement('findPerson');
      const p = this.state.persons.get(code);
      return p && { ...p };
    },
    // INSERT … ON CONFLICT DO NOTHING.
    claimPerson: async (p) => {
      this.statement('claimPerson');
      if (this.state.persons.has(p.personalIdentityCode)) return false;
      this.state.persons.set(p.personalIdentityCode, {
        personalIdentityCode: p.personalIdentityCode,
        birthDate: p.birthDate,
        sex: p.sex,
        temporary: p.temporary,
        deathDate: null,
        deathDateLatest: null,
      });
      return true;
    },
    markDeceased: async (code, date, latestDate) => {
      this.statement('markDeceased');
      const p = this.state.persons.get(code);
      if (!p) return;
      p.deathDate = date;
      p.deathDateLatest = latestDate;
    },
    // The upsert of persons-sql.ts: a new series starts at its first position, a known one moves on.
    advanceCodeSeries: async (key, run) => {
      this.statement('advanceCodeSeries');
      const k = seriesKey(key);
      const s = this.state.series.get(k);
      const next: CodeSeriesPosition = !s
        ? { signIndex: 0, number: run.first }
        : s.number + 2 > run.last
          ? { signIndex: s.signIndex + 1, number: run.first }
          : { signIndex: s.signIndex, number: s.number + 2 };
      this.state.series.set(k, next);
      return { ...next };
    },
  };

  // SAVEPOINT; RELEASE SAVEPOINT, or ROLLBACK TO SAVEPOINT when `fn` throws (or left a failed statement).
  async attempt<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    const savepoint = structuredClone(this.state);
    try {
      const result = await fn();
      this.check();
      return result;
    } catch (e) {
      if (this.closed) throw e;
      this.state = savepoint;
      this.failed = undefined;
      throw e;
    }
  }
}
