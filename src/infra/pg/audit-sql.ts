import { randomBytes } from 'node:crypto';
import type { AuditOperation, AuditRecord } from '../../core/audit/audit-record';
import type { AuditStore } from '../../core/audit/audit-trail';
import type { Database, Row } from './database';

/** Any fixed number: one instance purges at a time; the others find it taken and leave the work to it. */
const PURGE_LOCK = 727_274_007;

const COLUMNS = `id, at, channel, operation, client_id, client_identified, x_road_id, user_id, user_hash,
  notification_id, outcome, replayed, http_status, person_hashes`;

/**
 * notification_audit: appended in one statement per flush, read newest first,
 * purged in chunks. `configuredKey` is AUDIT_HASH_KEY; without it the key is
 * the one kept in audit_hash_key, made by whichever instance needs it first.
 */
export function auditQueries(db: Database, configuredKey: string | undefined): AuditStore {
  return {
    async append(rows) {
      if (rows.length === 0) return;
      const doc = rows.map((r) => ({
        at: r.at.toISOString(),
        channel: r.channel,
        operation: r.operation,
        client_id: r.clientId,
        client_identified: r.clientIdentified,
        x_road_id: r.xRoadId,
        user_id: r.userId,
        user_hash: r.userHash,
        notification_id: r.notificationId,
        outcome: r.outcome,
        replayed: r.replayed,
        http_status: r.httpStatus,
        // Hex hashes, space-separated: split in SQL, cheaper than a JSON array unpacked per row.
        person_hashes: r.personHashes.join(' '),
      }));
      await db.query(
        `INSERT INTO notification_audit (at, channel, operation, client_id, client_identified, x_road_id,
           user_id, user_hash, notification_id, outcome, replayed, http_status, person_hashes)
         SELECT v.at, v.channel, v.operation, v.client_id, v.client_identified, v.x_road_id, v.user_id,
           v.user_hash, v.notification_id, v.outcome, v.replayed, v.http_status,
           string_to_array(v.person_hashes, ' ')
         FROM jsonb_to_recordset($1::jsonb) AS v(at timestamptz, channel text, operation text, client_id text,
           client_identified boolean, x_road_id text, user_id text, user_hash text, notification_id text,
           outcome text, replayed boolean, http_status smallint, person_hashes text)`,
        [JSON.stringify(doc)],
      );
    },

    async list(f) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: (p: string) => string, value: unknown) => {
        params.push(value);
        where.push(sql(`$${params.length}`));
      };
      if (f.clientId !== undefined) add((p) => `client_id = ${p}`, f.clientId);
      if (f.from !== undefined) add((p) => `at >= ${p}::timestamptz`, f.from);
      if (f.to !== undefined) add((p) => `at < ${p}::timestamptz`, f.to);
      if (f.outcome !== undefined) add((p) => `outcome = ${p}`, f.outcome);
      if (f.notificationId !== undefined) add((p) => `notification_id = ${p}`, f.notificationId);
      if (f.channel !== undefined) add((p) => `channel = ${p}`, f.channel);
      if (f.operation !== undefined) add((p) => `operation = ${p}`, f.operation);
      if (f.personHash !== undefined) add((p) => `person_hashes @> ARRAY[${p}::text]`, f.personHash);
      if (f.userHash !== undefined) add((p) => `user_hash = ${p}`, f.userHash);
      if (f.after !== undefined) {
        params.push(f.after.at, f.after.id);
        where.push(`(at, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`);
      }
      params.push(f.limit);
      const rows = await db.query(
        `SELECT ${COLUMNS} FROM notification_audit
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at DESC, id DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map(toRecord);
    },

    async purgeChunk(before, chunk) {
      return db.transaction(async (tx) => {
        const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
          PURGE_LOCK,
        ]);
        if (!lock?.locked) return null;
        // The trigger lets this transaction delete rows older than this instant, and nothing else.
        await tx.query("SELECT set_config('vtj.audit_purge_before', $1, true)", [before.toISOString()]);
        const deleted = await tx.query(
          `DELETE FROM notification_audit WHERE id IN (
             SELECT id FROM notification_audit WHERE at < $1::timestamptz ORDER BY at, id LIMIT $2)
           RETURNING id`,
          [before, chunk],
        );
        return deleted.length;
      });
    },

    async hashKey() {
      if (configuredKey !== undefined) return configuredKey;
      // Made once: of instances starting together, the first insert wins and every one reads it.
      await db.query(
        'INSERT INTO audit_hash_key (id, key, created_at) VALUES (1, $1, now()) ON CONFLICT (id) DO NOTHING',
        [randomBytes(32).toString('base64url')],
      );
      const [row] = await db.query<{ key: string }>('SELECT key FROM audit_hash_key WHERE id = 1');
      if (!row) throw new Error('the audit hash key could not be read');
      return row.key;
    },
  };
}

function toRecord(r: Row): AuditRecord {
  return {
    id: String(r.id),
    at: r.at as Date,
    channel: r.channel as string,
    operation: (r.operation as AuditOperation | null) ?? null,
    clientId: (r.client_id as string | null) ?? null,
    clientIdentified: r.client_identified as boolean,
    xRoadId: (r.x_road_id as string | null) ?? null,
    userId: (r.user_id as string | null) ?? null,
    userHash: (r.user_hash as string | null) ?? null,
    notificationId: (r.notification_id as string | null) ?? null,
    outcome: r.outcome as string,
    replayed: r.replayed as boolean,
    httpStatus: Number(r.http_status),
    personHashes: (r.person_hashes as string[] | null) ?? [],
  };
}
