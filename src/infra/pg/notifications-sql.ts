import type { NewNotification, Rejection, StoredNotification } from '../../core/notifications/notification';
import type { NotificationWriter } from '../../core/ports';
import type { Queryable, Row } from './database';
import { WriteBehind } from './write-behind';

const COLUMNS = `client_id, notification_id, kind, channel, fingerprint, sandbox, content, status,
  child_code, rejection, received_at, registered_at, updated_at`;

export function notificationQueries(q: Queryable | WriteBehind): NotificationWriter {
  return {
    async find(clientId, notificationId) {
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications WHERE client_id = $1 AND notification_id = $2`,
        [clientId, notificationId],
      );
      return rows[0] ? toNotification(rows[0]) : undefined;
    },

    async insertMany(rows: readonly NewNotification[]) {
      if (rows.length === 0) return [];
      // The first of an id given twice stands, as ON CONFLICT DO NOTHING keeps the first row of a statement.
      const seen = new Set<string>();
      const firsts = rows.filter((r) => {
        const key = `${r.clientId}\n${r.notificationId}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      // Sorted by key, so two batches that share ids lock them in the same order and cannot deadlock.
      const sorted = firsts.sort(compareKeys);
      // The batch travels as one JSON document: one native JSON.stringify instead of escaping a dozen
      // array literals, and the rows need not come back: they are known here already.
      const doc = sorted.map((n) => ({
        client_id: n.clientId,
        notification_id: n.notificationId,
        kind: n.kind,
        channel: n.channel,
        fingerprint: n.fingerprint,
        sandbox: n.sandbox,
        content: n.content,
        status: n.status,
        child_code: n.childCode,
        rejection: n.rejection,
        received_at: n.receivedAt.toISOString(),
        registered_at: n.registeredAt?.toISOString() ?? null,
      }));
      // ON CONFLICT waits for a concurrent inserter of the same key to finish, then skips the row.
      const run = q instanceof WriteBehind ? q.queryCarrying.bind(q) : q.query.bind(q);
      const inserted = await run<{ client_id: string; notification_id: string }>(
        `INSERT INTO notifications (client_id, notification_id, kind, channel, fingerprint, sandbox, content,
           status, child_code, rejection, received_at, registered_at, updated_at)
         SELECT v.*, v.received_at FROM jsonb_to_recordset($1::jsonb) AS v(client_id text, notification_id text,
           kind text, channel text, fingerprint text, sandbox boolean, content jsonb, status text, child_code text,
           rejection jsonb, received_at timestamptz, registered_at timestamptz)
         ON CONFLICT ON CONSTRAINT notifications_pkey DO NOTHING
         RETURNING client_id, notification_id`,
        [JSON.stringify(doc)],
      );
      const done = new Set(inserted.map((r) => `${r.client_id}\n${r.notification_id}`));
      return sorted
        .filter((n) => done.has(`${n.clientId}\n${n.notificationId}`))
        .map((n) => ({ ...n, updatedAt: n.receivedAt }));
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

function compareKeys(a: NewNotification, b: NewNotification): number {
  if (a.clientId !== b.clientId) return a.clientId < b.clientId ? -1 : 1;
  return a.notificationId < b.notificationId ? -1 : a.notificationId > b.notificationId ? 1 : 0;
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
