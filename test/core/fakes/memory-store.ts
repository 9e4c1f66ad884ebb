import type { ChannelException, Client } from '../../../src/core/clients/client';
import type {
  ClientRecordInput,
  ClientRepository,
  CodeSeriesKey,
  CodeSeriesState,
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
  series: Map<string, CodeSeriesState>;
}

export function seriesKey(key: CodeSeriesKey): string {
  return `${key.birthDate}|${key.pool}|${key.parity}`;
}

function notificationKey(clientId: string, notificationId: string): string {
  return `${clientId}\u0000${notificationId}`;
}

/**
 * An in-memory Store that keeps the promises of src/core/ports.ts:
 * - transactions run one at a time (a queue stands in for row locks) and are
 *   rolled back as a whole when their function throws;
 * - `attempt` is a savepoint: writes made inside it are undone when it throws;
 * - readers get copies, so callers cannot change stored state behind its back.
 */
export class MemoryStore implements Store {
  private state: State = { notifications: new Map(), persons: new Map(), series: new Map() };
  private readonly clientMap = new Map<string, Client>();
  private queue: Promise<unknown> = Promise.resolve();

  /** One-shot failures of register operations, to simulate the register failing mid-way. */
  private readonly faults = new Map<keyof RegisterPort, Error>();

  /** How many transactions committed / rolled back; lets tests see what happened. */
  commits = 0;
  rollbacks = 0;

  readonly notifications: NotificationRepository = {
    find: async (clientId, notificationId) => {
      const n = this.state.notifications.get(notificationKey(clientId, notificationId));
      return n && structuredClone(n);
    },
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

  async loadPersons(persons: PersonLoad[]): Promise<{ created: number; updated: number }> {
    let created = 0;
    let updated = 0;
    for (const p of persons) {
      if (this.state.persons.has(p.personalIdentityCode)) updated += 1;
      else created += 1;
      this.state.persons.set(p.personalIdentityCode, {
        personalIdentityCode: p.personalIdentityCode,
        birthDate: p.birthDate,
        sex: p.sex,
        temporary: p.temporary,
        deathDate: p.deathDate,
        deathDateLatest: p.deathDate,
      });
    }
    return { created, updated };
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const before = this.snapshot();
      try {
        const result = await fn(this.openTransaction());
        this.commits += 1;
        return result;
      } catch (e) {
        this.state = before;
        this.rollbacks += 1;
        throw e;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  // ---- test helpers (not part of Store) ----

  /** Registers a client directly. */
  addClient(client: Client): void {
    this.clientMap.set(client.id, structuredClone(client));
  }

  /** The next call of `operation` inside a transaction throws `error` (once). */
  failNext(operation: keyof RegisterPort, error: Error): void {
    this.faults.set(operation, error);
  }

  /** Puts a code series in the given state, as if earlier births had used it. */
  seedCodeSeries(key: CodeSeriesKey, state: CodeSeriesState): void {
    this.state.series.set(seriesKey(key), { ...state });
  }

  codeSeries(key: CodeSeriesKey): CodeSeriesState | undefined {
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

  private fault(operation: keyof RegisterPort): void {
    const error = this.faults.get(operation);
    if (error) {
      this.faults.delete(operation);
      throw error;
    }
  }

  private snapshot(): State {
    return structuredClone(this.state);
  }

  private openTransaction(): Transaction {
    const get = (clientId: string, notificationId: string): StoredNotification => {
      const n = this.state.notifications.get(notificationKey(clientId, notificationId));
      if (!n) throw new Error(`no notification ${clientId} ${notificationId}`);
      return n;
    };

    const notifications: NotificationWriter = {
      find: this.notifications.find,
      insert: async (n: NewNotification) => {
        const key = notificationKey(n.clientId, n.notificationId);
        if (this.state.notifications.has(key)) return false;
        this.state.notifications.set(key, {
          ...structuredClone(n),
          status: 'pending',
          childCode: null,
          rejection: null,
          registeredAt: null,
        });
        return true;
      },
      markRegistered: async (clientId, notificationId, childCode, at) => {
        const n = get(clientId, notificationId);
        n.status = 'registered';
        n.childCode = childCode;
        n.registeredAt = new Date(at);
        n.updatedAt = new Date(at);
      },
      markRejected: async (clientId, notificationId, rejection: Rejection, at) => {
        const n = get(clientId, notificationId);
        n.status = 'rejected';
        n.rejection = structuredClone(rejection);
        n.updatedAt = new Date(at);
      },
      claimPending: async (limit) =>
        [...this.state.notifications.values()]
          .filter((n) => n.status === 'pending')
          .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
          .slice(0, limit)
          .map((n) => structuredClone(n)),
    };

    const register: RegisterPort = {
      findPerson: async (code) => {
        this.fault('findPerson');
        return this.person(code);
      },
      addPerson: async (p) => {
        this.fault('addPerson');
        if (this.state.persons.has(p.personalIdentityCode)) {
          throw new Error('duplicate key value violates unique constraint "persons_pkey"');
        }
        this.state.persons.set(p.personalIdentityCode, { ...p, deathDate: null, deathDateLatest: null });
      },
      markDeceased: async (code, date, latestDate) => {
        this.fault('markDeceased');
        const p = this.state.persons.get(code);
        if (!p) throw new Error('no such person');
        p.deathDate = date;
        p.deathDateLatest = latestDate;
      },
      lockCodeSeries: async (key, initial) => {
        this.fault('lockCodeSeries');
        const k = seriesKey(key);
        const existing = this.state.series.get(k);
        if (existing) return { ...existing };
        this.state.series.set(k, { ...initial });
        return { ...initial };
      },
      saveCodeSeries: async (key, state) => {
        this.fault('saveCodeSeries');
        this.state.series.set(seriesKey(key), { ...state });
      },
    };

    return {
      notifications,
      register,
      attempt: async <T>(fn: () => Promise<T>): Promise<T> => {
        const savepoint = this.snapshot();
        try {
          return await fn();
        } catch (e) {
          this.state = savepoint;
          throw e;
        }
      },
    };
  }
}
