import type { Channel, Client } from '../clients/client';
import { DomainError, isDomainError } from '../errors';
import type { Logger, RegisterGuard, Store, StoredNotification, Transaction } from '../ports';
import type { Clock } from '../time/clock';
import { validateBirth } from './birth';
import { validateDeath } from './death';
import { fingerprint, type Notification } from './fingerprint';
import { applyToRegister } from './registration';

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
}

/** Why a registering transaction was rolled back instead of committed. */
class Aborted extends Error {
  constructor(
    readonly outcome: 'duplicate' | 'rejected' | 'pending',
    readonly reason?: unknown,
  ) {
    super(outcome);
  }
}

/**
 * The use cases every façade calls: submit a birth or a death, read a
 * notification's status, and finish pending ones once the register answers.
 */
export class NotificationService {
  constructor(private readonly deps: NotificationServiceDeps) {}

  /**
   * Validates, registers and stores the result in one transaction: the
   * caller acknowledges only what is committed. The common case — a new,
   * registrable notification — costs one transaction and no extra reads; a
   * repeat, a rejection or a register failure rolls it back and takes a
   * second, short one.
   */
  async submit(
    client: Client,
    channel: Channel,
    kind: Notification['kind'],
    input: unknown,
  ): Promise<SubmitResult> {
    const ctx = { now: this.deps.clock.now(), sandbox: client.sandbox };
    const content: Notification = kind === 'birth' ? validateBirth(input, ctx) : validateDeath(input, ctx);
    const base = {
      clientId: client.id,
      notificationId: content.notificationId,
      kind,
      channel,
      fingerprint: fingerprint(content),
      sandbox: client.sandbox,
      content,
    };

    let aborted: Aborted;
    try {
      const record = await this.deps.store.transaction(async (tx) => {
        const childCode = await this.registerOrAbort(tx, base);
        const now = this.deps.clock.now();
        const row = await tx.notifications.insert({
          ...base,
          status: 'registered',
          childCode,
          rejection: null,
          receivedAt: now,
          registeredAt: now,
        });
        // The id is taken: undo this registration, answer with the stored one.
        if (!row) throw new Aborted('duplicate');
        return row;
      });
      return { record, replayed: false };
    } catch (e) {
      if (!(e instanceof Aborted)) throw e;
      aborted = e;
    }

    if (aborted.outcome !== 'duplicate') {
      const now = this.deps.clock.now();
      const rejection = aborted.outcome === 'rejected' ? toRejection(aborted.reason as DomainError) : null;
      const record = await this.deps.store.transaction((tx) =>
        tx.notifications.insert({
          ...base,
          status: aborted.outcome === 'rejected' ? 'rejected' : 'pending',
          childCode: null,
          rejection,
          receivedAt: now,
          registeredAt: null,
        }),
      );
      if (record) {
        if (record.status === 'pending') this.logPending(record, aborted.reason);
        return { record, replayed: false };
      }
    }
    const earlier = await this.deps.store.notifications.find(client.id, content.notificationId);
    if (!earlier) throw new Error('notification vanished after a unique-key conflict');
    return replay(earlier, base.fingerprint);
  }

  async status(client: Client, notificationId: string): Promise<StoredNotification> {
    const found = await this.deps.store.notifications.find(client.id, notificationId);
    if (!found) {
      throw new DomainError('NOTIFICATION_NOT_FOUND', 'This client has no notification with that id.', [
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
      let done = 0;
      for (const n of await tx.notifications.claimPending(limit)) {
        try {
          // A savepoint per notification: a rejection undoes only its own register writes.
          const code = await tx.attempt(() => this.registerOrAbort(tx, n));
          await tx.notifications.markRegistered(n.clientId, n.notificationId, code, this.deps.clock.now());
        } catch (e) {
          if (!(e instanceof Aborted)) throw e;
          if (e.outcome === 'pending') {
            this.logPending(n, e.reason);
            break;
          }
          const rejection = toRejection(e.reason as DomainError);
          await tx.notifications.markRejected(n.clientId, n.notificationId, rejection, this.deps.clock.now());
        }
        done += 1;
      }
      return done;
    });
  }

  /** Applies the notification to the register, or aborts with what the caller should store instead. */
  private async registerOrAbort(
    tx: Transaction,
    n: Pick<StoredNotification, 'content' | 'sandbox'>,
  ): Promise<string | null> {
    try {
      return await this.deps.guard.run(() => applyToRegister(tx.register, n));
    } catch (e) {
      throw new Aborted(isDomainError(e) ? 'rejected' : 'pending', e);
    }
  }

  private logPending(n: Pick<StoredNotification, 'clientId' | 'notificationId'>, reason: unknown): void {
    this.deps.logger.warn(
      { clientId: n.clientId, notificationId: n.notificationId, err: errorName(reason) },
      'register unavailable; notification left pending',
    );
  }
}

function toRejection(e: DomainError) {
  return { code: e.code, message: e.message, fieldErrors: [...e.fieldErrors] };
}

function replay(earlier: StoredNotification, print: string): SubmitResult {
  if (earlier.fingerprint !== print) {
    throw new DomainError(
      'NOTIFICATION_ID_REUSED',
      `The notification id was already used on ${earlier.receivedAt.toISOString()} for a notification with different content; use a new id for a new notification.`,
      [
        {
          field: 'notificationId',
          code: 'NOTIFICATION_ID_REUSED',
          message: 'already used for different content',
        },
      ],
    );
  }
  return { record: earlier, replayed: true };
}

/** The stored rejection as the error a façade reports again on every replay. */
export function rejectionError(n: StoredNotification): DomainError | undefined {
  return n.rejection
    ? new DomainError(n.rejection.code, n.rejection.message, n.rejection.fieldErrors)
    : undefined;
}

function errorName(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${(e as { code?: string }).code ?? ''}` : typeof e;
}
