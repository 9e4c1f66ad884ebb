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
}

export type NewNotification = Omit<StoredNotification, 'updatedAt'>;
