import type { Channel, Client } from '../clients/client';
import { DomainError } from '../errors';
import type { Logger, RegisterGuard, Store, Transaction } from '../ports';
import type { Clock } from '../time/clock';
import { validateBirth } from './birth';
import { validateDeath } from './death';
import { fingerprint } from './fingerprint';
import { GroupCommit, type Settled } from './group-commit';
import type { NewNotification, Notification, StoredNotification } from './notification';
import { applyToRegister, type RegisterOutcome } from './registration';

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
  /** When a batch may start once a submission waits (see GroupCommit): the store's to say. */
  deferBatch?: (start: () => void) => void;
}

type Submission = Omit<NewNotification, 'status' | 'childCode' | 'rejection' | 'receivedAt' | 'registeredAt'>;

/** Why a registering transaction was rolled back instead of committed. */
class Aborted extends Error {
  constructor(
    readonly outcome: 'duplicate' | 'pending',
    readonly reason?: unknown,
  ) {
    super(outcome);
  }
}

const MAX_BATCH = 100;
const keyOf = (n: { clientId: string; notificationId: string }) => `${n.clientId}\n${n.notificationId}`;

/**
 * The use cases every façade calls: submit a birth or a death, read a
 * notification's status, and finish pending ones once the register answers.
 */
export class NotificationService {
  private readonly batches: GroupCommit<Submission, SubmitResult>;

  constructor(private readonly deps: NotificationServiceDeps) {
    this.batches = new GroupCommit((items) => this.register(items, 0), {
      maxBatch: MAX_BATCH,
      maxConcurrent: deps.batchConcurrency ?? 1,
      defer: deps.deferBatch,
      shedsQueue: (err) => deps.store.isUnavailable(err),
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
  ): Promise<SubmitResult> {
    const ctx = { now: this.deps.clock.now(), sandbox: client.sandbox };
    const content: Notification = kind === 'birth' ? validateBirth(input, ctx) : validateDeath(input, ctx);
    return this.batches.submit({
      clientId: client.id,
      notificationId: content.notificationId,
      kind,
      channel,
      fingerprint: fingerprint(content),
      sandbox: client.sandbox,
      content,
    });
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

  /** Retries pending notifications; returns how many left the pending state. */
  async processPending(limit = 20): Promise<number> {
    return this.deps.store.transaction(async (tx) => {
      const claimed = await tx.notifications.claimPending(limit);
      if (claimed.length === 0) return 0;
      let outcomes: RegisterOutcome[];
      try {
        // In a savepoint: a failing register leaves nothing half-written, and the claim stands.
        outcomes = await tx.attempt(() => this.applyOrAbort(tx, claimed));
      } catch (e) {
        if (!(e instanceof Aborted)) throw e;
        this.logPending(claimed[0], e.reason);
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
   * stored; later ones in the batch answer as replays of it. If an id turns
   * out to be stored already, the transaction is undone and the batch is
   * taken one submission at a time.
   */
  private async register(items: Submission[], depth: number): Promise<Settled<SubmitResult>[]> {
    const firsts = new Map<string, Submission>();
    for (const s of items) if (!firsts.has(keyOf(s))) firsts.set(keyOf(s), s);
    const unique = [...firsts.values()];

    let stored: Map<string, Settled<SubmitResult>>;
    try {
      stored = await this.deps.store.transaction(async (tx) => {
        const outcomes = await this.applyOrAbort(tx, unique);
        const now = this.deps.clock.now();
        const rows = await tx.notifications.insertMany(unique.map((s, i) => toRow(s, outcomes[i], now)));
        if (rows.length !== unique.length) throw new Aborted('duplicate');
        return new Map(rows.map((r) => [keyOf(r), { ok: true, value: { record: r, replayed: false } }]));
      });
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
      stored =
        e.outcome === 'pending'
          ? await this.storePending(unique, e.reason)
          : await this.oneByOne(unique, depth);
    }
    return items.map((s) => {
      const result = stored.get(keyOf(s));
      if (!result) return { ok: false, error: new Error('a batch item got no result') };
      if (firsts.get(keyOf(s)) === s || !result.ok) return result;
      return settle(() => replay(result.value.record, s.fingerprint));
    });
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
    if (rows[0]) this.logPending(rows[0], reason);
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
  ): Promise<RegisterOutcome[]> {
    try {
      return await this.deps.guard.run(() => applyToRegister(tx.register, items));
    } catch (e) {
      // A deadlock or serialization failure is the store's to retry, and a store that cannot serve
      // fails the request (to be sent again): neither is the register's failure.
      if (this.deps.store.isTransient(e) || this.deps.store.isUnavailable(e)) throw e;
      throw new Aborted('pending', e);
    }
  }

  private logPending(
    n: Pick<StoredNotification, 'clientId' | 'notificationId'> | undefined,
    reason: unknown,
  ) {
    this.deps.logger.warn(
      { clientId: n?.clientId, notificationId: n?.notificationId, err: errorName(reason) },
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
