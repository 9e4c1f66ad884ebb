import type { AuditEntry } from '../clients/records';
import { DomainError } from '../errors';
import type { RemoteRegister, Store } from '../ports';
import { withdrawnAnswer } from '../register/registration-desk';
import type { Clock } from '../time/clock';
import type { NotificationKey, RegisterAnswer, StoredNotification } from './notification';
import { registrationKey } from './remote-delivery';

/**
 * What operators do with notifications the register has not taken: see them,
 * send one again now, or withdraw it. Withdrawing is final and true: with a
 * remote register the register itself closes the key first, and if it had
 * registered the notification after all (an answer that never came back),
 * that answer is what is recorded. Every change is audited under the client.
 */
export class OutboxAdmin {
  constructor(private readonly deps: { store: Store; clock: Clock; remote?: RemoteRegister }) {}

  /** Those needing attention, or those the outbox still tries by itself; oldest first. */
  list(needingAttention: boolean, limit = 200): Promise<StoredNotification[]> {
    return this.deps.store.notifications.listPending(needingAttention, limit);
  }

  /** How many wait: needing attention, and still tried by the outbox (a count, however many). */
  counts(): Promise<{ needsAttention: number; pending: number }> {
    return this.deps.store.notifications.countPending();
  }

  /**
   * Every notification needing attention, of one client or of all, due at
   * once with its attempts counted from zero: after a long outage, one step
   * instead of one per notification. Each is audited under its client as a
   * single retry is. Returns how many.
   */
  async retryAll(clientId: string | undefined, operator: string): Promise<number> {
    if (clientId !== undefined && !(await this.deps.store.clients.find(clientId))) {
      throw new DomainError('CLIENT_NOT_FOUND');
    }
    const at = this.deps.clock.now();
    return this.deps.store.transaction((tx) =>
      tx.notifications.requeueNeedingAttention(clientId, at, { operator, details: { bulk: true } }),
    );
  }

  /** Due at once, attempts counted from zero. */
  async retry(key: NotificationKey, operator: string): Promise<StoredNotification> {
    const at = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const n = await this.pendingOrThrow(
        await tx.notifications.findForUpdate(key.clientId, key.notificationId),
        'retry',
      );
      await tx.notifications.requeue(key, at, this.audit('notification.retry', n, operator, at, {}));
    });
    return this.current(key);
  }

  /**
   * Closes a pending notification. With a remote register, the register's
   * final answer for its key decides (REGISTRATION_WITHDRAWN, or what it had
   * answered); an unreachable register leaves it as it is (REGISTER_UNAVAILABLE).
   */
  async withdraw(key: NotificationKey, operator: string): Promise<StoredNotification> {
    const before = await this.pendingOrThrow(
      await this.deps.store.notifications.find(key.clientId, key.notificationId),
      'withdraw',
    );
    let answer: RegisterAnswer = withdrawnAnswer();
    if (this.deps.remote) {
      try {
        [answer = withdrawnAnswer()] = await this.deps.remote.withdraw([registrationKey(before)]);
      } catch {
        throw new DomainError('REGISTER_UNAVAILABLE');
      }
    }
    const at = this.deps.clock.now();
    const outcome = 'rejection' in answer ? answer.rejection.code : 'registered';
    await this.deps.store.transaction(async (tx) => {
      // Embedded: the lock waits for a retry under way, whose transaction would have registered it.
      const n = await this.pendingOrThrow(
        await tx.notifications.findForUpdate(key.clientId, key.notificationId),
        'withdraw',
      );
      await tx.notifications.settleByOperator(
        key,
        answer,
        at,
        this.audit('notification.withdraw', n, operator, at, { outcome }),
      );
    });
    return this.current(key);
  }

  private async current(key: NotificationKey): Promise<StoredNotification> {
    const n = await this.deps.store.notifications.find(key.clientId, key.notificationId);
    if (!n) throw notFound();
    return n;
  }

  private async pendingOrThrow(
    n: StoredNotification | undefined,
    action: string,
  ): Promise<StoredNotification> {
    if (!n) throw notFound();
    if (n.status !== 'pending') throw new DomainError('NOT_IN_OUTBOX', { status: n.status, action });
    return n;
  }

  private audit(
    action: AuditEntry['action'],
    n: StoredNotification,
    operator: string,
    at: Date,
    details: Record<string, unknown>,
  ): AuditEntry {
    return {
      at,
      operator,
      action,
      clientId: n.clientId,
      details: { notificationId: n.notificationId, kind: n.kind, attempts: n.delivery.attempts, ...details },
    };
  }
}

function notFound(): DomainError {
  return new DomainError('NOTIFICATION_NOT_FOUND', {}, [
    {
      field: 'notificationId',
      code: 'NOTIFICATION_NOT_FOUND',
      message: 'no notification of this client has this id',
    },
  ]);
}
