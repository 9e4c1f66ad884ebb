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

/**
 * The use cases every façade calls: submit a birth or a death, read a
 * notification's status, and finish pending ones once the register answers.
 */
export class NotificationService {
  constructor(private readonly deps: NotificationServiceDeps) {}

  /** Validates, stores durably, registers; one commit before the caller acknowledges. */
  async submit(
    client: Client,
    channel: Channel,
    kind: Notification['kind'],
    input: unknown,
  ): Promise<SubmitResult> {
    const ctx = { now: this.deps.clock.now(), sandbox: client.sandbox };
    const content: Notification = kind === 'birth' ? validateBirth(input, ctx) : validateDeath(input, ctx);
    const print = fingerprint(content);

    const earlier = await this.deps.store.notifications.find(client.id, content.notificationId);
    if (earlier) return replay(earlier, print);

    const stored = await this.deps.store.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const record = {
        clientId: client.id,
        notificationId: content.notificationId,
        kind,
        channel,
        fingerprint: print,
        sandbox: client.sandbox,
        content,
        receivedAt: now,
        updatedAt: now,
      };
      if (!(await tx.notifications.insert(record))) return undefined;
      await this.register(tx, {
        ...record,
        status: 'pending',
        childCode: null,
        rejection: null,
        registeredAt: null,
      });
      return tx.notifications.find(client.id, content.notificationId);
    });
    if (stored) return { record: stored, replayed: false };

    // Lost a race with a concurrent duplicate, which has committed by now.
    const winner = await this.deps.store.notifications.find(client.id, content.notificationId);
    if (!winner) throw new Error('notification vanished after a unique-key conflict');
    return replay(winner, print);
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
        if (!(await this.register(tx, n))) break;
        done += 1;
      }
      return done;
    });
  }

  /**
   * Applies one stored notification to the register inside the caller's
   * transaction. A rejection is stored as the notification's result; a
   * register failure leaves it pending (and returns false), so the client
   * still gets a durable acknowledgement.
   */
  private async register(tx: Transaction, n: StoredNotification): Promise<boolean> {
    try {
      const childCode = await this.deps.guard.run(() => tx.attempt(() => applyToRegister(tx.register, n)));
      await tx.notifications.markRegistered(n.clientId, n.notificationId, childCode, this.deps.clock.now());
      return true;
    } catch (e) {
      if (isDomainError(e)) {
        const rejection = { code: e.code, message: e.message, fieldErrors: [...e.fieldErrors] };
        await tx.notifications.markRejected(n.clientId, n.notificationId, rejection, this.deps.clock.now());
        return true;
      }
      this.deps.logger.warn(
        { clientId: n.clientId, notificationId: n.notificationId, err: errorName(e) },
        'register unavailable; notification left pending',
      );
      return false;
    }
  }
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
