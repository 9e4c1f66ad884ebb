import type { StoredNotification } from '../../core/notifications/notification';

/** A stored notification as the REST interface shows it (NotificationResult in openapi.yaml). */
export function notificationResult(n: StoredNotification) {
  return {
    notificationId: n.notificationId,
    type: n.kind,
    status: n.status,
    channel: n.channel,
    receivedAt: n.receivedAt.toISOString(),
    ...(n.registeredAt ? { registeredAt: n.registeredAt.toISOString() } : {}),
    ...(n.childCode ? { child: { personalIdentityCode: n.childCode } } : {}),
    ...(n.rejection
      ? {
          rejection: {
            code: n.rejection.code,
            message: n.rejection.message,
            errors: n.rejection.fieldErrors,
          },
        }
      : {}),
  };
}
