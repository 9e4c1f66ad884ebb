import type { Channel, Client } from '../clients/client';
import { DomainError } from '../errors';
import {
  CodeHeld,
  type Logger,
  NotificationStoredMeanwhile,
  type RegisterGuard,
  type Store,
  type Transaction,
} from '../ports';
import type { Clock } from '../time/clock';
import { validateBirth } from './birth';
import { validateDeath } from './death';
import { fingerprint } from './fingerprint';
import { GroupCommit, type Settled } from './group-commit';
import type { NewNotification, Notification, NotificationKey, StoredNotification } from './notification';
import { applyToRegister, type RegisterOutcome } from './registration';
import { type RemoteDelivery, which } from './remote-delivery';

export interface SubmitResult {
  record: StoredNotification;
  /** True when this (client, id) was seen before with the same content. */
  replayed: boolean;
}

export interface NotificationServiceDeps {
  store: Store;
  clock: Clock;
  guard: RegisterGuard;
  logger: Logger;
  /** How many batches may be in flight at once (1 for the embedded database, which serialises anyway). */
  batchConcurrency?: number;
  /**
   * The bulk lane's transactions (submissions of batch requests): how many
   * notifications one may hold, and how many may be in flight at once.
   */
  bulk?: { maxBatch: number; concurrency: number };
  /** When a batch may start once a submission waits (see GroupCommit): the store's to say. */
  deferBatch?: (start: () => void) => void;
  /**
   * A register beyond the gateway, behind an outbox. Unset: the embedded
   * register, decided in the same transaction that stores the notification.
   */
  remote?: RemoteDelivery;
}

/** How a submission travels: alone (a single request), or in the bulk lane with the items of batch requests. */
export interface SubmitOptions {
  bulk?: boolean;
}

type Submission = Omit<NewNotification, 'status' | 'childCode' | 'rejection' | 'receivedAt' | 'registeredAt'>;

/** A submission committed to the outbox, its answer to come from the register call after the commit. */
interface Offered {
  /** Its row once the register answered (or did not in time); never rejects. */
  offered: Promise<StoredNotification>;
  /** False: the same id came earlier in the batch, and this one replays it. */
  first: boolean;
}

/** The register failed: the registering transaction is rolled back, to store the batch as pending instead. */
class Aborted extends Error {
  constructor(readonly reason: unknown) {
    super('pending');
  }
}

const MAX_BATCH = 100;
/** The bulk lane's defaults; the composition sets them per store (services.ts), as measured in bench/. */
const BULK_DEFAULTS = { maxBatch: 500, concurrency: 1 };
const keyOf = (n: { clientId: string; notificationId: string }) => `${n.clientId}\n${n.notificationId}`;

/**
 * The use cases every façade calls: submit a birth or a death, read a
 * notification's status, and finish pending ones once the register answers.
 *
 * Submissions travel in one of two lanes, each a group commit of its own.
 * Single requests share transactions of up to MAX_BATCH. The items of batch
 * requests (a backlog replayed, a hospital's batch run) go in the bulk lane,
 * in larger transactions, after a look-up that answers ids stored before
 * (a resent chunk) without a transaction: so a replay of a hundred thousand
 * never queues single requests behind it, and each lane's transactions are
 * sized for its traffic. Both lanes run the same register() under the same
 * locks, in the same order (persons, code series, then notifications by
 * key): the serial order of all notifications holds across them.
 */
export class NotificationService {
  private readonly batches: GroupCommit<Submission, SubmitResult | Offered>;
  private readonly bulk: GroupCommit<Submission, SubmitResult | Offered>;
  /** Calls to a remote register made after a batch's commit, not yet answered and recorded. */
  private readonly offers = new Set<Promise<unknown>>();

  constructor(private readonly deps: NotificationServiceDeps) {
    const remote = deps.remote;
    const run = remote
      ? (items: Submission[]) => this.registerRemotely(remote, items)
      : (items: Submission[]): Promise<Settled<SubmitResult | Offered>[]> => this.register(items, 0);
    const shedsQueue = (err: unknown) => deps.store.isUnavailable(err);
    this.batches = new GroupCommit(run, {
      maxBatch: MAX_BATCH,
      maxConcurrent: deps.batchConcurrency ?? 1,
      defer: deps.deferBatch,
      shedsQueue,
    });
    const bulk = deps.bulk ?? BULK_DEFAULTS;
    this.bulk = new GroupCommit(remote ? run : (items: Submission[]) => this.registerBulk(items), {
      maxBatch: bulk.maxBatch,
      maxConcurrent: bulk.concurrency,
      defer: deps.deferBatch,
      shedsQueue,
    });
  }

  /**
   * Validates, then registers and stores the result in one transaction
   * (shared with whatever else arrived meanwhile): the caller acknowledges
   * only what is committed.
   */
  async submit(
    client: Client,
    channel: Channel,
    kind: Notification['kind'],
    input: unknown,
    options: SubmitOptions = {},
  ): Promise<SubmitResult> {
    const ctx = { now: this.deps.clock.now(), sandbox: client.sandbox };
    const content: Notification = kind === 'birth' ? validateBirth(input, ctx) : validateDeath(input, ctx);
    const print = fingerprint(content);
    const result = await (options.bulk ? this.bulk : this.batches).submit({
      clientId: client.id,
      notificationId: content.notificationId,
      kind,
      channel,
      fingerprint: print,
      sandbox: client.sandbox,
      content,
    });
    if (!('offered' in result)) return result;
    // A remote register is asked once the batch's slot is free again: the slot covers the commit only.
    const record = await result.offered;
    return result.first ? { record, replayed: false } : replay(record, print);
  }

  /**
   * Resolves once every batch under way has settled, and every call to a
   * remote register made for one has been answered (or timed out) and
   * recorded: what must end before the database closes.
   */
  async settled(): Promise<void> {
    const idle = () => Promise.all([this.batches.idle(), this.bulk.idle()]);
    await idle();
    while (this.offers.size > 0) {
      await Promise.all([...this.offers]);
      await idle();
    }
  }

  /** The validation `submit` starts with, alone: throws what would stop the notification before the register. */
  validate(client: Pick<Client, 'sandbox'>, kind: Notification['kind'], input: unknown): Notification {
    const ctx = { now: this.deps.clock.now(), sandbox: client.sandbox };
    return kind === 'birth' ? validateBirth(input, ctx) : validateDeath(input, ctx);
  }

  async status(client: Client, notificationId: string): Promise<StoredNotification> {
    const found = await this.deps.store.notifications.find(client.id, notificationId);
    if (!found) {
      throw new DomainError('NOTIFICATION_NOT_FOUND', {}, [
        {
          field: 'notificationId',
          code: 'NOTIFICATION_NOT_FOUND',
          message: 'no notification of this client has this id',
        },
      ]);
    }
    return found;
  }

  /** Retries pending notifications that are due; returns how many left the pending state. */
  async processPending(limit = 20): Promise<number> {
    if (this.deps.remote) return this.deps.remote.deliverDue(limit);
    return this.deps.store.transaction(async (tx) => {
      const claimed = await tx.notifications.claimDue(this.deps.clock.now(), limit);
      if (claimed.length === 0) return 0;
      let outcomes: RegisterOutcome[];
      try {
        // In a savepoint: a failing register leaves nothing half-written, and the claim stands.
        outcomes = await tx.attempt(() => this.applyOrAbort(tx, claimed));
      } catch (e) {
        if (!(e instanceof Aborted)) throw e;
        this.logPending(claimed, e.reason);
        return 0;
      }
      const now = this.deps.clock.now();
      for (const [i, n] of claimed.entries()) {
        const o = outcomes[i];
        if (o && 'rejection' in o)
          await tx.notifications.markRejected(n.clientId, n.notificationId, toRejection(o.rejection), now);
        else await tx.notifications.markRegistered(n.clientId, n.notificationId, o?.childCode ?? null, now);
      }
      return claimed.length;
    });
  }

  /**
   * One batch: the first submission of each (client, id) is registered and
   * stored; later ones in the batch answer as replays of it. The children's
   * codes are claimed unchecked and the insert is the transaction's last
   * statement (at most two round trips on PostgreSQL); if an id turns out to
   * be stored already, the transaction is undone and the batch is taken one
   * submission at a time, and if a code turns out held, it is run again
   * with every claim checked.
   */
  private async register(
    items: Submission[],
    depth: number,
    checked = false,
  ): Promise<Settled<SubmitResult>[]> {
    const firsts = new Map<string, Submission>();
    for (const s of items) if (!firsts.has(keyOf(s))) firsts.set(keyOf(s), s);
    const unique = [...firsts.values()];

    let stored: Map<string, Settled<SubmitResult>>;
    try {
      stored = await this.deps.store.transaction(async (tx) => {
        const outcomes = await this.applyOrAbort(tx, unique, { uncheckedClaims: !checked });
        const now = this.deps.clock.now();
        const rows = await tx.notifications.insertLast(unique.map((s, i) => toRow(s, outcomes[i], now)));
        return new Map(rows.map((r) => [keyOf(r), { ok: true, value: { record: r, replayed: false } }]));
      });
    } catch (e) {
      if (e instanceof CodeHeld && !checked) return this.register(items, depth, true);
      if (e instanceof NotificationStoredMeanwhile) stored = await this.oneByOne(unique, depth);
      else if (e instanceof Aborted) stored = await this.storePending(unique, e.reason);
      else throw e;
    }
    return items.map((s) => {
      const result = stored.get(keyOf(s));
      if (!result) return { ok: false, error: new Error('a batch item got no result') };
      if (firsts.get(keyOf(s)) === s || !result.ok) return result;
      return settle(() => replay(result.value.record, s.fingerprint));
    });
  }

  /**
   * One transaction of the bulk lane: ids stored before (a chunk sent again
   * after an interruption) are answered from the store at once, as replays;
   * the rest are registered as any batch is. An id stored meanwhile by
   * another transaction is caught by register() as always.
   */
  private async registerBulk(items: Submission[]): Promise<Settled<SubmitResult>[]> {
    const stored = new Map(
      (await this.deps.store.notifications.findMany(items)).map((n) => [keyOf(n), n] as const),
    );
    if (stored.size === 0) return this.register(items, 0);
    const fresh = items.filter((s) => !stored.has(keyOf(s)));
    const registered = fresh.length > 0 ? await this.register(fresh, 0) : [];
    const byItem = new Map(fresh.map((s, i) => [s, registered[i]]));
    return items.map((s) => {
      const earlier = stored.get(keyOf(s));
      if (earlier) return settle(() => replay(earlier, s.fingerprint));
      return byItem.get(s) ?? { ok: false, error: new Error('a batch item got no result') };
    });
  }

  /**
   * One batch for the remote register: the first submission of each (client,
   * id) goes to the outbox, committed; later ones, and ids stored before,
   * answer as replays of what is stored. The register is asked after the
   * commit, outside the batch's slot, so later batches never queue behind a
   * slow register: each client waits for its commit and then at most one
   * call, bounded by REGISTER_TIMEOUT_MS.
   */
  private async registerRemotely(
    remote: RemoteDelivery,
    items: Submission[],
  ): Promise<Settled<SubmitResult | Offered>[]> {
    const firsts = new Map<string, Submission>();
    for (const s of items) if (!firsts.has(keyOf(s))) firsts.set(keyOf(s), s);
    const now = this.deps.clock.now();
    const stored = await remote.store([...firsts.values()].map((s) => toRow(s, undefined, now)));
    // Not awaited here: the slot is released when this returns. Whatever the call meets, the stored row
    // stands, so a failure to record the register's answer leaves the notification pending (202).
    const offered = remote.offer(stored).catch((err) => {
      this.logPending(stored, err);
      return stored;
    });
    this.offers.add(offered);
    void offered.finally(() => this.offers.delete(offered));
    const fresh = new Map(stored.map((r) => [keyOf(r), r]));
    const results: Settled<SubmitResult | Offered>[] = [];
    for (const s of items) {
      const own = fresh.get(keyOf(s));
      if (own) {
        // The same id twice in one batch: the later one replays the first, once the register answered it.
        const record = offered.then((rows) => rows.find((r) => keyOf(r) === keyOf(own)) ?? own);
        results.push({ ok: true, value: { offered: record, first: firsts.get(keyOf(s)) === s } });
      } else results.push(await this.replayStored(s));
    }
    return results;
  }

  /** The register could not be reached: store every submission as pending, to be registered later. */
  private async storePending(
    items: Submission[],
    reason: unknown,
  ): Promise<Map<string, Settled<SubmitResult>>> {
    const now = this.deps.clock.now();
    const rows = await this.deps.store.transaction((tx) =>
      tx.notifications.insertMany(items.map((s) => toRow(s, undefined, now))),
    );
    const out = new Map<string, Settled<SubmitResult>>(
      rows.map((r) => [keyOf(r), { ok: true, value: { record: r, replayed: false } }]),
    );
    if (rows[0]) this.logPending(rows, reason);
    for (const s of items) if (!out.has(keyOf(s))) out.set(keyOf(s), await this.replayStored(s));
    return out;
  }

  /** After an id conflict: each submission alone, answering the ones already stored from the store. */
  private async oneByOne(items: Submission[], depth: number): Promise<Map<string, Settled<SubmitResult>>> {
    const out = new Map<string, Settled<SubmitResult>>();
    for (const s of items) {
      const earlier = await this.deps.store.notifications.find(s.clientId, s.notificationId);
      if (earlier)
        out.set(
          keyOf(s),
          settle(() => replay(earlier, s.fingerprint)),
        );
      else if (depth < 3)
        out.set(keyOf(s), (await this.register([s], depth + 1))[0] as Settled<SubmitResult>);
      else out.set(keyOf(s), { ok: false, error: new Error('notification id kept conflicting') });
    }
    return out;
  }

  private async replayStored(s: Submission): Promise<Settled<SubmitResult>> {
    const earlier = await this.deps.store.notifications.find(s.clientId, s.notificationId);
    if (!earlier) return { ok: false, error: new Error('notification vanished after a unique-key conflict') };
    return settle(() => replay(earlier, s.fingerprint));
  }

  /** Applies the batch to the register, or aborts to store it as pending when the register fails. */
  private async applyOrAbort(
    tx: Transaction,
    items: readonly Pick<StoredNotification, 'content' | 'sandbox'>[],
    options: { uncheckedClaims?: boolean } = {},
  ): Promise<RegisterOutcome[]> {
    try {
      return await this.deps.guard.run(() => applyToRegister(tx.register, items, options));
    } catch (e) {
      // A deadlock or serialization failure is the store's to retry, a store that cannot serve fails the
      // request (to be sent again), and a code claimed unchecked but held is run again checked: none is
      // the register's failure.
      if (this.deps.store.isTransient(e) || this.deps.store.isUnavailable(e) || e instanceof CodeHeld)
        throw e;
      throw new Aborted(e);
    }
  }

  private logPending(rows: readonly NotificationKey[], reason: unknown) {
    this.deps.logger.warn(
      { ...which(rows), err: errorName(reason) },
      'register unavailable; notifications left pending',
    );
  }
}

function toRow(s: Submission, outcome: RegisterOutcome | undefined, now: Date): NewNotification {
  if (!outcome) {
    return { ...s, status: 'pending', childCode: null, rejection: null, receivedAt: now, registeredAt: null };
  }
  if ('rejection' in outcome) {
    const rejection = toRejection(outcome.rejection);
    return { ...s, status: 'rejected', childCode: null, rejection, receivedAt: now, registeredAt: null };
  }
  return {
    ...s,
    status: 'registered',
    childCode: outcome.childCode,
    rejection: null,
    receivedAt: now,
    registeredAt: now,
  };
}

function toRejection(e: DomainError) {
  return { code: e.code, message: e.message, fieldErrors: [...e.fieldErrors] };
}

function settle<T>(fn: () => T): Settled<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

function replay(earlier: StoredNotification, print: string): SubmitResult {
  if (earlier.fingerprint !== print) {
    throw new DomainError('NOTIFICATION_ID_REUSED', { receivedAt: earlier.receivedAt.toISOString() }, [
      {
        field: 'notificationId',
        code: 'NOTIFICATION_ID_REUSED',
        message: 'already used for different content',
      },
    ]);
  }
  return { record: earlier, replayed: true };
}

/** The stored rejection as the error a façade reports again on every replay. */
export function rejectionError(n: StoredNotification): DomainError | undefined {
  return n.rejection
    ? DomainError.restored(n.rejection.code, n.rejection.message, n.rejection.fieldErrors)
    : undefined;
}

function errorName(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${(e as { code?: string }).code ?? ''}` : typeof e;
}
