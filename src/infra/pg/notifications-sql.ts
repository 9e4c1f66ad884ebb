import {
  type NewNotification,
  NOT_YET_TRIED,
  type Rejection,
  type StoredNotification,
} from '../../core/notifications/notification';
import { NotificationStoredMeanwhile, type NotificationWriter } from '../../core/ports';
import { audited } from './clients-sql';
import type { Queryable, Row } from './database';
import { guardRegisterMode, type RegisterMode } from './register-mode-sql';
import { WriteBehind } from './write-behind';

const COLUMNS = `client_id, notification_id, kind, channel, fingerprint, sandbox, content, status,
  child_code, rejection, received_at, registered_at, updated_at, attempts, next_attempt_at, last_error,
  attention_since`;

/**
 * The notification statements. With `registerMode` (the gateway's), a
 * transaction that adds or claims pending notifications first checks that
 * the database still records that register (register-mode-sql.ts).
 */
export function notificationQueries(
  q: Queryable | WriteBehind,
  registerMode?: RegisterMode,
): NotificationWriter {
  return {
    async find(clientId, notificationId) {
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications WHERE client_id = $1 AND notification_id = $2`,
        [clientId, notificationId],
      );
      return rows[0] ? toNotification(rows[0]) : undefined;
    },

    async findMany(keys) {
      if (keys.length === 0) return [];
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications
         WHERE (client_id, notification_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [keys.map((k) => k.clientId), keys.map((k) => k.notificationId)],
      );
      return rows.map(toNotification);
    },

    async insertMany(rows: readonly NewNotification[]) {
      if (rows.length === 0) return [];
      const { sorted, text, params } = await insertion(q, rows, registerMode);
      // ON CONFLICT waits for a concurrent inserter of the same key to finish, then skips the row.
      const run = q instanceof WriteBehind ? q.queryCarrying.bind(q) : q.query.bind(q);
      const inserted = await run<{ client_id: string; notification_id: string }>(text, params);
      const done = new Set(inserted.map((r) => `${r.client_id}\n${r.notification_id}`));
      return sorted.filter((n) => done.has(`${n.clientId}\n${n.notificationId}`)).map(stored);
    },

    async insertLast(rows: readonly NewNotification[]) {
      if (!(q instanceof WriteBehind)) throw new Error('insertLast runs inside a transaction only');
      if (rows.length === 0) return [];
      const { sorted, text, params } = await insertion(q, rows, registerMode);
      await q.finish(text, params, { rows: sorted.length, error: () => new NotificationStoredMeanwhile() });
      return sorted.map(stored);
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

    async listPending(needingAttention, limit) {
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications
         WHERE status = 'pending' AND (attention_since IS NOT NULL) = $1
         ORDER BY received_at LIMIT $2`,
        [needingAttention, limit],
      );
      return rows.map(toNotification);
    },

    async countPending() {
      const [row] = await q.query<{ attention: number | string; pending: number | string }>(
        `SELECT count(*) FILTER (WHERE attention_since IS NOT NULL) AS attention,
                count(*) FILTER (WHERE attention_since IS NULL) AS pending
         FROM notifications WHERE status = 'pending'`,
      );
      return { needsAttention: Number(row?.attention ?? 0), pending: Number(row?.pending ?? 0) };
    },

    async findForUpdate(clientId, notificationId) {
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications WHERE client_id = $1 AND notification_id = $2 FOR UPDATE`,
        [clientId, notificationId],
      );
      return rows[0] ? toNotification(rows[0]) : undefined;
    },

    async requeue(key, at, audit) {
      const rows = await audited(
        q,
        `UPDATE notifications SET attempts = 0, next_attempt_at = $3, attention_since = NULL
         WHERE client_id = $1 AND notification_id = $2 AND status = 'pending' RETURNING client_id`,
        [key.clientId, key.notificationId, at],
        audit,
      );
      return rows.length > 0;
    },

    async requeueNeedingAttention(clientId, at, audit) {
      const [row] = await q.query<{ n: number | string }>(
        `WITH target AS (
           SELECT client_id, notification_id, kind, attempts FROM notifications
           WHERE status = 'pending' AND attention_since IS NOT NULL AND ($1::text IS NULL OR client_id = $1)
           FOR UPDATE),
         changed AS (
           UPDATE notifications n SET attempts = 0, next_attempt_at = $2, attention_since = NULL
           FROM target t WHERE n.client_id = t.client_id AND n.notification_id = t.notification_id
           RETURNING t.client_id, t.notification_id, t.kind, t.attempts),
         logged AS (
           INSERT INTO audit_log (at, operator, action, client_id, details)
           SELECT $2, $3, 'notification.retry', c.client_id,
             jsonb_build_object('notificationId', c.notification_id, 'kind', c.kind, 'attempts', c.attempts)
               || $4::jsonb
           FROM changed c)
         SELECT count(*) AS n FROM changed`,
        [clientId ?? null, at, audit.operator, JSON.stringify(audit.details)],
      );
      return Number(row?.n ?? 0);
    },

    async settleByOperator(key, answer, at, audit) {
      const rejection = 'rejection' in answer ? answer.rejection : null;
      const rows = await audited(
        q,
        `UPDATE notifications SET
           status = CASE WHEN $4::jsonb IS NULL THEN 'registered' ELSE 'rejected' END,
           child_code = $3, rejection = $4::jsonb,
           registered_at = CASE WHEN $4::jsonb IS NULL THEN $5::timestamptz END,
           updated_at = $5, next_attempt_at = NULL, attention_since = NULL
         WHERE client_id = $1 AND notification_id = $2 AND status = 'pending' RETURNING client_id`,
        [
          key.clientId,
          key.notificationId,
          'childCode' in answer ? answer.childCode : null,
          rejection && JSON.stringify(rejection),
          at,
        ],
        audit,
      );
      return rows.length > 0;
    },

    async claimDue(now, limit) {
      if (registerMode) await guardRegisterMode(q, registerMode);
      const rows = await q.query(
        `SELECT ${COLUMNS} FROM notifications
         WHERE status = 'pending' AND attention_since IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
         ORDER BY next_attempt_at NULLS FIRST, received_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      return rows.map(toNotification);
    },

    async scheduleAttempts(rows) {
      if (rows.length === 0) return;
      await q.query(
        `UPDATE notifications n SET attempts = v.attempts, next_attempt_at = v.next_attempt_at
         FROM jsonb_to_recordset($1::jsonb) AS v(client_id text, notification_id text, attempts integer,
           next_attempt_at timestamptz)
         WHERE n.client_id = v.client_id AND n.notification_id = v.notification_id`,
        [keyed(rows, (r) => ({ attempts: r.attempts, next_attempt_at: r.nextAttemptAt.toISOString() }))],
      );
    },

    async recordFailures(rows) {
      if (rows.length === 0) return;
      await q.query(
        `UPDATE notifications n SET attempts = v.attempts, next_attempt_at = v.next_attempt_at,
           last_error = COALESCE(v.last_error, n.last_error), attention_since = v.attention_since
         FROM jsonb_to_recordset($1::jsonb) AS v(client_id text, notification_id text, attempts integer,
           next_attempt_at timestamptz, last_error text, attention_since timestamptz)
         WHERE n.client_id = v.client_id AND n.notification_id = v.notification_id AND n.status = 'pending'`,
        [
          keyed(rows, (r) => ({
            attempts: r.attempts,
            next_attempt_at: r.nextAttemptAt.toISOString(),
            last_error: r.lastError,
            attention_since: r.attentionSince?.toISOString() ?? null,
          })),
        ],
      );
    },

    async recordAnswers(rows, at) {
      if (rows.length === 0) return;
      // Only onto rows still pending: an answer that arrives twice (a resend) changes nothing the second time.
      await q.query(
        `UPDATE notifications n SET
           status = CASE WHEN v.rejection IS NULL THEN 'registered' ELSE 'rejected' END,
           child_code = v.child_code, rejection = v.rejection,
           registered_at = CASE WHEN v.rejection IS NULL THEN $2::timestamptz END,
           updated_at = $2, next_attempt_at = NULL, attention_since = NULL
         FROM jsonb_to_recordset($1::jsonb) AS v(client_id text, notification_id text, child_code text,
           rejection jsonb)
         WHERE n.client_id = v.client_id AND n.notification_id = v.notification_id AND n.status = 'pending'`,
        [
          keyed(rows, (r) => ({
            child_code: 'childCode' in r.answer ? r.answer.childCode : null,
            rejection: 'rejection' in r.answer ? r.answer.rejection : null,
          })),
          at,
        ],
      );
    },
  };
}

/** Rows by (client, notification) with their values, as the one JSON document jsonb_to_recordset reads. */
function keyed<R extends { clientId: string; notificationId: string }>(
  rows: readonly R[],
  values: (r: R) => Record<string, unknown>,
): string {
  return JSON.stringify(
    rows.map((r) => ({ client_id: r.clientId, notification_id: r.notificationId, ...values(r) })),
  );
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
    delivery: {
      attempts: (r.attempts as number | undefined) ?? 0,
      nextAttemptAt: (r.next_attempt_at as Date | null) ?? null,
      lastError: (r.last_error as string | null) ?? null,
      attentionSince: (r.attention_since as Date | null) ?? null,
    },
  };
}

/**
 * The insert of a batch of notifications, each (client, id) once (the first
 * stands, as ON CONFLICT DO NOTHING keeps the first row of a statement), in
 * key order, so that two batches sharing ids lock them in the same order and
 * cannot deadlock. The batch travels as one JSON document: one native
 * JSON.stringify instead of escaping a dozen array literals, and only the
 * keys come back (the rows are known here already).
 */
async function insertion(
  q: Queryable | WriteBehind,
  rows: readonly NewNotification[],
  registerMode: RegisterMode | undefined,
): Promise<{ sorted: NewNotification[]; text: string; params: unknown[] }> {
  const seen = new Set<string>();
  const sorted = rows
    .filter((r) => {
      const key = `${r.clientId}\n${r.notificationId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(compareKeys);
  if (registerMode && sorted.some((n) => n.status === 'pending')) await guardRegisterMode(q, registerMode);
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
    attempts: (n.delivery ?? NOT_YET_TRIED).attempts,
    next_attempt_at: n.delivery?.nextAttemptAt?.toISOString() ?? null,
  }));
  return { sorted, text: INSERT_NOTIFICATIONS, params: [JSON.stringify(doc)] };
}

// ON CONFLICT waits for a concurrent inserter of the same key to finish, then skips the row.
const INSERT_NOTIFICATIONS = `INSERT INTO notifications (client_id, notification_id, kind, channel, fingerprint,
    sandbox, content, status, child_code, rejection, received_at, registered_at, attempts, next_attempt_at,
    updated_at)
  SELECT v.*, v.received_at FROM jsonb_to_recordset($1::jsonb) AS v(client_id text, notification_id text,
    kind text, channel text, fingerprint text, sandbox boolean, content jsonb, status text, child_code text,
    rejection jsonb, received_at timestamptz, registered_at timestamptz, attempts integer,
    next_attempt_at timestamptz)
  ON CONFLICT ON CONSTRAINT notifications_pkey DO NOTHING
  RETURNING client_id, notification_id`;

/** A row just inserted, as stored. */
const stored = (n: NewNotification): StoredNotification => ({
  ...n,
  delivery: n.delivery ?? NOT_YET_TRIED,
  updatedAt: n.receivedAt,
});
