import type { Channel } from '../clients/client';
import type { ErrorCode, FieldError } from '../errors';
import type { BirthNotification } from './birth';
import type { DeathNotification } from './death';

/** A validated birth or death, in the core's own form (channel-independent). */
export type Notification = BirthNotification | DeathNotification;

export type NotificationStatus = 'pending' | 'registered' | 'rejected';

export interface Rejection {
  code: ErrorCode;
  message: string;
  fieldErrors: FieldError[];
}

/** One row per (client, notificationId): the idempotency record and the result in one. */
export interface StoredNotification {
  clientId: string;
  notificationId: string;
  kind: Notification['kind'];
  channel: Channel;
  fingerprint: string;
  sandbox: boolean;
  content: Notification;
  status: NotificationStatus;
  childCode: string | null;
  rejection: Rejection | null;
  receivedAt: Date;
  registeredAt: Date | null;
  updatedAt: Date;
  /** How delivery to the register goes while the notification is pending. */
  delivery: Delivery;
}

/**
 * The outbox's bookkeeping of a pending notification. One needing attention
 * is no longer tried by itself: an operator retries or resolves it. To its
 * client it is pending all the same: still being processed.
 */
export interface Delivery {
  attempts: number;
  /** When an instance may next try it (null: at once). */
  nextAttemptAt: Date | null;
  /** What the last attempt met, in words with no personal data. */
  lastError: string | null;
  attentionSince: Date | null;
}

export const NOT_YET_TRIED: Delivery = Object.freeze({
  attempts: 0,
  nextAttemptAt: null,
  lastError: null,
  attentionSince: null,
});

export type NewNotification = Omit<StoredNotification, 'updatedAt' | 'delivery'> & { delivery?: Delivery };

/** The register's answer to one notification. */
export type RegisterAnswer = { childCode: string | null } | { rejection: Rejection };

/** Which notification: the client's own id, unique per client. */
export interface NotificationKey {
  clientId: string;
  notificationId: string;
}

/** A notification as the register is asked to take it: once per key, however often it is sent. */
export interface KeyedRegistration {
  key: string;
  sandbox: boolean;
  content: Notification;
}

/**
 * The register would not take one notification of a batch, for good: its key
 * was first given with another notification, or it does not follow the
 * register's schema. Sending it again gets the same: an operator's to decide.
 */
export interface RegisterRefusal {
  /** Why, for operators (the attempt's last error): codes and field names, never data. */
  refused: string;
}
