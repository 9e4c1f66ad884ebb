import type { ChannelException, Client } from '../../core/clients/client';
import type { AuditEntry, ClientRecordInput } from '../../core/clients/records';
import type { AuditLog, ClientRepository } from '../../core/ports';
import type { Queryable, Row } from './database';

// Exceptions come along as one JSON array per client: one round trip per lookup.
const SELECT_CLIENTS = `
  SELECT c.*, COALESCE((
    SELECT json_agg(json_build_object(
      'id', e.id, 'channel', e.channel, 'until', e.until, 'reason', e.reason,
      'grantedBy', e.granted_by, 'grantedAt', e.granted_at,
      'revokedAt', e.revoked_at, 'revokedBy', e.revoked_by) ORDER BY e.granted_at)
    FROM channel_exceptions e WHERE e.client_id = c.id), '[]'::json) AS exceptions
  FROM clients c`;

const PATCHABLE = {
  name: 'name',
  organisation: 'organisation',
  kind: 'kind',
  sandbox: 'sandbox',
  certificateFingerprints: 'certificate_fingerprints',
} as const;

/**
 * Runs a write (which must end in RETURNING) and, when an audit entry is given and the write
 * changed a row, logs it in the same statement: a change and its audit row land together or not at all.
 */
export function audited(q: Queryable, sql: string, params: unknown[], audit: AuditEntry | undefined) {
  if (!audit) return q.query(sql, params);
  const n = params.length;
  return q.query(
    `WITH changed AS (${sql}),
     logged AS (INSERT INTO audit_log (at, operator, action, client_id, details)
       SELECT $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::jsonb FROM changed LIMIT 1)
     SELECT * FROM changed`,
    [...params, audit.at, audit.operator, audit.action, audit.clientId, JSON.stringify(audit.details)],
  );
}

export function clientQueries(q: Queryable): ClientRepository {
  return {
    async find(id) {
      const rows = await q.query(`${SELECT_CLIENTS} WHERE c.id = $1`, [id]);
      return rows[0] ? toClient(rows[0]) : undefined;
    },

    async list() {
      return (await q.query(`${SELECT_CLIENTS} ORDER BY c.organisation, c.id`)).map(toClient);
    },

    async insert(c: ClientRecordInput, at, audit) {
      const rows = await audited(
        q,
        `INSERT INTO clients (id, name, organisation, kind, sandbox, certificate_fingerprints, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [c.id, c.name, c.organisation, c.kind, c.sandbox, c.certificateFingerprints, at],
        audit,
      );
      return rows.length === 1;
    },

    async update(id, patch, at, audit) {
      const sets: string[] = [];
      const values: unknown[] = [id, at];
      for (const [key, column] of Object.entries(PATCHABLE)) {
        const v = patch[key as keyof typeof PATCHABLE];
        if (v === undefined) continue;
        values.push(v);
        sets.push(`${column} = $${values.length}`);
      }
      const rows = await audited(
        q,
        `UPDATE clients SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1 RETURNING id`,
        values,
        audit,
      );
      return rows.length === 1;
    },

    async addException(clientId, ex, audit) {
      await audited(
        q,
        `INSERT INTO channel_exceptions (id, client_id, channel, until, reason, granted_by, granted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [ex.id, clientId, ex.channel, ex.until, ex.reason, ex.grantedBy, ex.grantedAt],
        audit,
      );
    },

    async revokeException(clientId, exceptionId, by, at, audit) {
      const rows = await audited(
        q,
        `UPDATE channel_exceptions SET revoked_at = $4, revoked_by = $3
         WHERE client_id = $1 AND id::text = $2 AND revoked_at IS NULL RETURNING id`,
        [clientId, exceptionId, by, at],
        audit,
      );
      return rows.length === 1;
    },
  };
}

export function auditQueries(q: Queryable): AuditLog {
  return {
    async trail(clientId) {
      const rows = await q.query(
        'SELECT at, operator, action, client_id, details FROM audit_log WHERE client_id = $1 ORDER BY at, id',
        [clientId],
      );
      return rows.map((r) => ({
        at: r.at as Date,
        operator: r.operator as string,
        action: r.action as AuditEntry['action'],
        clientId: r.client_id as string,
        details: r.details as Record<string, unknown>,
      }));
    },
  };
}

interface ExceptionJson extends Omit<ChannelException, 'grantedAt' | 'revokedAt'> {
  grantedAt: string;
  revokedAt: string | null;
}

function toClient(r: Row): Client {
  const exceptions = (
    typeof r.exceptions === 'string' ? JSON.parse(r.exceptions) : r.exceptions
  ) as ExceptionJson[];
  return {
    id: r.id as string,
    name: r.name as string,
    organisation: r.organisation as string,
    kind: r.kind as Client['kind'],
    sandbox: r.sandbox as boolean,
    certificateFingerprints: (r.certificate_fingerprints as string[]) ?? [],
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    exceptions: exceptions.map((e) => ({
      ...e,
      until: e.until.slice(0, 10),
      grantedAt: new Date(e.grantedAt),
      revokedAt: e.revokedAt ? new Date(e.revokedAt) : null,
    })),
  };
}
