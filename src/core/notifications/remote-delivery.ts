import { createHash } from 'node:crypto';
import type { Logger, RegisterGuard, RemoteRegister, Store } from '../ports';
import type { Clock } from '../time/clock';
import { type DeliveryPolicy, leaseUntil, needsAttention, nextAttemptAt } from './delivery-policy';
import type {
  KeyedRegistration,
  NewNotification,
  NotificationKey,
  RegisterAnswer,
  RegisterRefusal,
  StoredNotification,
} from './notification';

/** What the outbox tells the metrics: attempts made and how they ended. */
export interface DeliveryEvents {
  /** `deferred`: the circuit was open and no call went out, so no attempt was counted. */
  delivered(
    outcome: 'registered' | 'rejected' | 'failed' | 'deferred' | 'needs-attention',
    count: number,
  ): void;
}

export interface RemoteDeliveryDeps {
  store: Store;
  remote: RemoteRegister;
  guard: RegisterGuard;
  clock: Clock;
  logger: Logger;
  policy: DeliveryPolicy;
  events?: DeliveryEvents;
  random?: () => number;
}

/**
 * The idempotency key the register is given for a notification: the same at
 * every resend, from any instance, and telling nothing of the client or the
 * notification to whoever reads the register's logs.
 */
export function registrationKey(n: NotificationKey): string {
  return `n1.${createHash('sha256').update(`${n.clientId}\n${n.notificationId}`).digest('base64url')}`;
}

/**
 * The outbox in front of a remote register. A notification is committed as
 * pending before any call goes out; then the register is asked at once, and
 * if it answers in time the answer is recorded and given to the client. If it
 * does not (slow, failing, the circuit open) the client is told the
 * notification is received, and `deliverDue` — on whichever instance claims
 * it — asks again later, with the same key, until the register answers or
 * the notification needs an operator's attention.
 */
export class RemoteDelivery {
  private readonly random: () => number;

  constructor(private readonly deps: RemoteDeliveryDeps) {
    this.random = deps.random ?? Math.random;
  }

  /**
   * Commits the rows to the outbox as pending, with the lease taken (no
   * other instance tries them while this one's call may still be answered).
   * Returns those stored; those stored already (a resend) are not among
   * them: the caller replays. Then `offer` asks the register.
   */
  store(rows: readonly NewNotification[]): Promise<StoredNotification[]> {
    const now = this.deps.clock.now();
    return this.deps.store.transaction((tx) =>
      tx.notifications.insertMany(
        rows.map((r) => ({
          ...r,
          delivery: {
            attempts: 0,
            nextAttemptAt: this.leaseFrom(now),
            lastError: null,
            attentionSince: null,
          },
        })),
      ),
    );
  }

  /** Claims the notifications due now (others' claims skipped), and asks the register for them. */
  async deliverDue(limit = 50): Promise<number> {
    const now = this.deps.clock.now();
    const claimed = await this.deps.store.transaction(async (tx) => {
      const due = await tx.notifications.claimDue(now, limit);
      // The lease only: an attempt is counted once a call has gone out (see `failed`).
      const next = due.map((n) => ({
        clientId: n.clientId,
        notificationId: n.notificationId,
        attempts: n.delivery.attempts,
        nextAttemptAt: this.leaseFrom(now),
      }));
      await tx.notifications.scheduleAttempts(next);
      return due.map((n, i) => ({ ...n, delivery: { ...n.delivery, ...next[i] } }));
    });
    if (claimed.length === 0) return 0;
    const after = await this.offer(claimed);
    return after.filter((n) => n.status !== 'pending').length;
  }

  private leaseFrom(now: Date): Date {
    return leaseUntil(now, this.deps.policy);
  }

  /** One call to the register for these stored, pending notifications; their state after it. */
  async offer(rows: StoredNotification[]): Promise<StoredNotification[]> {
    if (rows.length === 0) return [];
    let replies: (RegisterAnswer | RegisterRefusal)[];
    // Whether the call went out: the guard refuses without calling while the circuit is open.
    let called = false;
    try {
      replies = await this.deps.guard.run(() => {
        called = true;
        return this.deps.remote.register(rows.map(keyed));
      });
      if (replies.length !== rows.length) throw new Error('the register answered a different number');
    } catch (err) {
      return this.failed(rows, err, called);
    }
    const now = this.deps.clock.now();
    const answered = rows.flatMap((n, i) => {
      const r = replies[i] as RegisterAnswer | RegisterRefusal;
      return 'refused' in r ? [] : [{ clientId: n.clientId, notificationId: n.notificationId, answer: r }];
    });
    // A registration the register refused for good (its key reused, or not following its schema) is an
    // operator's at once: sending it again would meet the same. The others of the batch are answered.
    const refused = rows.flatMap((n, i) => {
      const r = replies[i] as RegisterAnswer | RegisterRefusal;
      const attempts = n.delivery.attempts + 1;
      return 'refused' in r
        ? [
            {
              clientId: n.clientId,
              notificationId: n.notificationId,
              attempts,
              nextAttemptAt: nextAttemptAt(attempts, now, this.deps.policy, this.random),
              lastError: r.refused,
              attentionSince: now,
            },
          ]
        : [];
    });
    // The answers as stored: an instance whose lease on them ran out while this call was under way may
    // have recorded the same answers first, at its own time. What the client is told is what is stored.
    const recorded = await this.deps.store.transaction(async (tx) => {
      await tx.notifications.recordAnswers(answered, now);
      await tx.notifications.recordFailures(refused);
      return answered.length > 0 ? tx.notifications.findMany(answered) : [];
    });
    const stored = new Map(recorded.map((n) => [`${n.clientId}\n${n.notificationId}`, n]));
    const settled = rows.map((n, i) => {
      const r = replies[i] as RegisterAnswer | RegisterRefusal;
      if (!('refused' in r)) {
        const asStored = stored.get(`${n.clientId}\n${n.notificationId}`);
        return asStored && asStored.status !== 'pending' ? asStored : settle(n, r, now);
      }
      const f = refused.find((x) => x.notificationId === n.notificationId && x.clientId === n.clientId);
      if (!f) return n;
      const { attempts, nextAttemptAt: next, attentionSince } = f;
      return { ...n, delivery: { attempts, nextAttemptAt: next, lastError: r.refused, attentionSince } };
    });
    const rejected = settled.filter((n) => n.status === 'rejected').length;
    this.deps.events?.delivered('registered', answered.length - rejected);
    this.deps.events?.delivered('rejected', rejected);
    this.deps.events?.delivered('needs-attention', refused.length);
    if (refused[0]) {
      this.deps.logger.warn(
        { ...which(refused), err: refused[0].lastError },
        'register refused notifications; they need attention',
      );
    }
    return settled;
  }

  /**
   * No answer. A call that went out counts as an attempt, and the next one
   * waits the backoff for that many; a call the circuit breaker refused
   * counts nothing (a long outage would otherwise use up every
   * notification's attempts without one call) and waits the backoff of the
   * attempts made so far. Either way a notification pending longer than the
   * maximum age needs attention.
   */
  private async failed(
    rows: StoredNotification[],
    err: unknown,
    called: boolean,
  ): Promise<StoredNotification[]> {
    const now = this.deps.clock.now();
    const lastError = called ? describe(err) : null;
    // The request refused as a whole (a 4xx: it should not happen): sending it again would meet the same.
    const permanent = called && (err as { permanent?: unknown } | null)?.permanent === true;
    const { policy } = this.deps;
    const failures = rows.map((n) => {
      const attempts = n.delivery.attempts + (called ? 1 : 0);
      return {
        clientId: n.clientId,
        notificationId: n.notificationId,
        attempts,
        nextAttemptAt: nextAttemptAt(Math.max(1, attempts), now, policy, this.random),
        lastError,
        attentionSince: permanent || needsAttention(attempts, n.receivedAt, now, policy) ? now : null,
      };
    });
    // Best effort: if even this cannot be written, the notification is pending and due after the lease.
    await this.deps.store
      .transaction((tx) => tx.notifications.recordFailures(failures))
      .catch((e) =>
        this.deps.logger.warn({ ...which(rows), err: describe(e) }, 'could not note a failed delivery'),
      );
    const attention = failures.filter((f) => f.attentionSince !== null).length;
    this.deps.events?.delivered(called ? 'failed' : 'deferred', rows.length - attention);
    this.deps.events?.delivered('needs-attention', attention);
    this.deps.logger.warn(
      { ...which(rows), needsAttention: attention, callMade: called, err: describe(err) },
      called
        ? 'register did not answer; notifications stay pending'
        : 'register circuit open; notifications stay pending',
    );
    return rows.map((n, i) => {
      const f = failures[i];
      return f
        ? {
            ...n,
            delivery: {
              attempts: f.attempts,
              nextAttemptAt: f.nextAttemptAt,
              lastError: f.lastError ?? n.delivery.lastError,
              attentionSince: f.attentionSince,
            },
          }
        : n;
    });
  }
}

/**
 * Which notifications an outbox log line is about: how many, and the first
 * one's client and id (never content: no personal identity code).
 */
export function which(rows: readonly NotificationKey[]): {
  count: number;
  clientId?: string;
  notificationId?: string;
} {
  return { count: rows.length, clientId: rows[0]?.clientId, notificationId: rows[0]?.notificationId };
}

function keyed(n: StoredNotification): KeyedRegistration {
  return { key: registrationKey(n), sandbox: n.sandbox, content: n.content };
}

function settle(n: StoredNotification, answer: RegisterAnswer, now: Date): StoredNotification {
  const delivery = { ...n.delivery, nextAttemptAt: null, attentionSince: null };
  if ('rejection' in answer) {
    return { ...n, status: 'rejected', rejection: answer.rejection, updatedAt: now, delivery };
  }
  return {
    ...n,
    status: 'registered',
    childCode: answer.childCode,
    registeredAt: now,
    updatedAt: now,
    delivery,
  };
}

/** What an attempt met, for logs and operators: the error's kind, never its data. */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown failure';
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string'
    ? `${err.name} ${code}: ${err.message}`.slice(0, 300)
    : `${err.name}: ${err.message}`.slice(0, 300);
}
