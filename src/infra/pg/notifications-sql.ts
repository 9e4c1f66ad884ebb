import type { NewNotification, NotificationWriter, Rejection, StoredNotification } from '../../core/ports';
import type { Queryable, Row } from './database';

const COLUMNS = `client_id, notification_id, kind, channel, fingerprint, sandbox, content, status,
  child_code, rejection, received_at, registered_at, updated_at`;

export function notificationQueries(q: Queryable): NotificationWriter {
  return {
    async find(clientId, notificationId) {
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications WHERE client_id = $1 AND notification_id = $2`,
        [clientId, notificationId],
      );
      return rows[0] ? toNotification(rows[0]) : undefined;
    },

    async insert(n: NewNotification) {
      // ON CONFLICT waits for a concurrent inserter of the same key to finish, then skips.
      const rows = await q.query(
        `INSERT INTO notifications (client_id, notification_id, kind, channel, fingerprint, sandbox, content,
           status, child_code, rejection, received_at, registered_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11, $12, $11)
         ON CONFLICT ON CONSTRAINT notifications_pkey DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          n.clientId,
          n.notificationId,
          n.kind,
          n.channel,
          n.fingerprint,
          n.sandbox,
          JSON.stringify(n.content),
          n.status,
          n.childCode,
          n.rejection ? JSON.stringify(n.rejection) : null,
          n.receivedAt,
          n.registeredAt,
        ],
      );
      return rows[0] ? toNotification(rows[0]) : undefined;
    },

    async markRegistered(clientId, notificationId, childCode, at) {
      await q.query(
        `UPDATE notifications SET status = 'registered', child_code = $3, registered_at = $4, updated_at = $4
         WHERE client_id = $1 AND notification_id = $2`,
        [clientId, notificationId, childCode, at],
      );
    },

    async markRejected(clientId, notificationId, rejection: Rejection, at) {
      await q.query(
        `UPDATE notifications SET status = 'rejected', rejection = $3::jsonb, updated_at = $4
         WHERE client_id = $1 AND notification_id = $2`,
        [clientId, notificationId, JSON.stringify(rejection), at],
      );
    },

    async claimPending(limit) {
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications WHERE status = 'pending'
         ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      return rows.map(toNotification);
    },
  };
}

function toNotification(r: Row): StoredNotification {
  return {
    clientId: r.client_id as string,
    notificationId: r.notification_id as string,
    kind: r.kind as StoredNotification['kind'],
    channel: r.channel as StoredNotification['channel'],
    fingerprint: r.fingerprint as string,
    sandbox: r.sandbox as boolean,
    content: r.content as StoredNotification['content'],
    status: r.status as StoredNotification['status'],
    childCode: (r.child_code as string | null) ?? null,
    rejection: (r.rejection as Rejection | null) ?? null,
    receivedAt: r.received_at as Date,
    registeredAt: (r.registered_at as Date | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}
