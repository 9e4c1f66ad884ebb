import { randomUUID } from 'node:crypto';
import type { BatchOutcome, BatchQueue, Decided } from '../../core/batches/batch-queue';
import { type Database, DatabaseUnavailableError } from './database';

/**
 * The batch queue (core/batches/batch-queue.ts) in the gateway's database:
 * tables `batches` and `batch_items` (migration 008). Claims are leases
 * taken with FOR UPDATE SKIP LOCKED, as the outbox's are, so instances
 * sharing the database never take the same item while its lease runs.
 */
export function batchQueue(db: Database): BatchQueue {
  return {
    async open(clientId, at) {
      const id = randomUUID();
      await db.query(
        `INSERT INTO batches (id, client_id, state, received_at) VALUES ($1, $2, 'receiving', $3)`,
        [id, clientId, at],
      );
      return id;
    },

    async append(batchId, lines) {
      if (lines.length === 0) return;
      const decided = (l: (typeof lines)[number]): Decided | undefined =>
        'decided' in l ? l.decided : undefined;
      await db.query(
        `INSERT INTO batch_items (batch_id, idx, line, body, outcome, code, replayed, result)
         SELECT $1::uuid, v.idx, v.line, v.body, v.outcome, v.code, COALESCE(v.replayed, false), v.result::jsonb
         FROM unnest($2::integer[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[])
           AS v(idx, line, body, outcome, code, replayed, result)`,
        [
          batchId,
          lines.map((l) => l.index),
          lines.map((l) => l.line),
          lines.map((l) => ('text' in l ? l.text : null)),
          lines.map((l) => decided(l)?.outcome ?? null),
          lines.map((l) => decided(l)?.code ?? null),
          lines.map((l) => decided(l)?.replayed ?? null),
          lines.map((l) => {
            const d = decided(l);
            return d ? JSON.stringify(d.answer, storableText) : null;
          }),
        ],
      );
    },

    async seal(batchId, total) {
      // A batch whose every line was refused on arrival is done at once.
      const sealed = await db.query(
        `UPDATE batches SET total = $2,
           state = CASE WHEN EXISTS (SELECT 1 FROM batch_items WHERE batch_id = $1 AND outcome IS NULL)
             THEN 'open' ELSE 'done' END,
           completed_at = CASE WHEN EXISTS (SELECT 1 FROM batch_items WHERE batch_id = $1 AND outcome IS NULL)
             THEN NULL ELSE received_at END
         WHERE id = $1 AND state = 'receiving' RETURNING id`,
        [batchId, total],
      );
      // Swept meanwhile as an abandoned upload (its items with it): the client must not be told 202.
      if (sealed.length === 0)
        throw new DatabaseUnavailableError(`the upload was removed before it was complete: send it again`);
    },

    async discard(batchId) {
      await db.query(`DELETE FROM batches WHERE id = $1 AND state = 'receiving'`, [batchId]);
    },

    claim(owner, now, leaseMs, limit) {
      return db.transaction(async (tx) => {
        // One batch per claim, the one claimed from longest ago: open batches of several clients take turns.
        const [batch] = await tx.query<{ id: string; client_id: string }>(
          `SELECT b.id, b.client_id FROM batches b
           WHERE b.state = 'open' AND EXISTS (
             SELECT 1 FROM batch_items i WHERE i.batch_id = b.id AND i.outcome IS NULL
               AND (i.claimed_until IS NULL OR i.claimed_until <= $1))
           ORDER BY b.last_claimed_at NULLS FIRST, b.received_at
           LIMIT 1 FOR UPDATE OF b SKIP LOCKED`,
          [now],
        );
        if (!batch) return [];
        const rows = await tx.query<{ idx: number; line: number; body: string }>(
          `UPDATE batch_items i SET claimed_by = $2, claimed_until = $3, claims = i.claims + 1
           FROM (SELECT idx FROM batch_items
                 WHERE batch_id = $1 AND outcome IS NULL AND (claimed_until IS NULL OR claimed_until <= $4)
                 ORDER BY idx LIMIT $5 FOR UPDATE SKIP LOCKED) AS picked
           WHERE i.batch_id = $1 AND i.idx = picked.idx
           RETURNING i.idx, i.line, i.body`,
          [batch.id, owner, new Date(now.getTime() + leaseMs), now, limit],
        );
        await tx.query('UPDATE batches SET last_claimed_at = $2 WHERE id = $1', [batch.id, now]);
        return rows
          .sort((a, b) => a.idx - b.idx)
          .map((r) => ({
            batchId: batch.id,
            clientId: batch.client_id,
            index: r.idx,
            line: r.line,
            text: r.body,
          }));
      });
    },

    async decide(items, at) {
      if (items.length === 0) return;
      const doc = JSON.stringify(
        items.map((i) => ({
          batch_id: i.batchId,
          idx: i.index,
          outcome: i.outcome,
          code: i.code,
          replayed: i.replayed,
          result: i.answer,
        })),
        storableText,
      );
      const batches = [...new Set(items.map((i) => i.batchId))].sort();
      await db.transaction(async (tx) => {
        // The batches first, in one order: two transactions deciding items of one batch take turns, so the
        // later one sees the earlier one's items decided and marks the batch done (read committed alone
        // would let each see the other's items undecided, and the batch would stay open for good).
        await tx.query('SELECT 1 FROM batches WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [batches]);
        // The first answer stands: an item decided again after its lease ran out changes nothing.
        await tx.query(
          `UPDATE batch_items i SET outcome = v.outcome, code = v.code, replayed = v.replayed, result = v.result,
             body = NULL, claimed_until = NULL
           FROM jsonb_to_recordset($1::jsonb) AS v(batch_id uuid, idx integer, outcome text, code text,
             replayed boolean, result jsonb)
           WHERE i.batch_id = v.batch_id AND i.idx = v.idx AND i.outcome IS NULL`,
          [doc],
        );
        await tx.query(
          `UPDATE batches b SET state = 'done', completed_at = $2
           WHERE b.id = ANY($1::uuid[]) AND b.state = 'open'
             AND NOT EXISTS (SELECT 1 FROM batch_items i WHERE i.batch_id = b.id AND i.outcome IS NULL)`,
          [batches, at],
        );
      });
    },

    async find(clientId, batchId) {
      const [batch] = await db.query<{
        id: string;
        client_id: string;
        state: 'open' | 'done';
        received_at: Date;
        completed_at: Date | null;
        total: number;
      }>(
        `SELECT id, client_id, state, received_at, completed_at, total FROM batches
         WHERE id = $1 AND client_id = $2 AND state <> 'receiving'`,
        [batchId, clientId],
      );
      if (!batch) return undefined;
      const counts = await db.query<{
        outcome: BatchOutcome;
        code: string | null;
        replayed: boolean;
        n: number;
      }>(
        `SELECT outcome, code, replayed, count(*)::integer AS n FROM batch_items
         WHERE batch_id = $1 AND outcome IS NOT NULL GROUP BY outcome, code, replayed`,
        [batchId],
      );
      return {
        id: batch.id,
        clientId: batch.client_id,
        state: batch.state,
        receivedAt: new Date(batch.received_at),
        completedAt: batch.completed_at ? new Date(batch.completed_at) : null,
        total: batch.total,
        decided: counts.map((c) => ({ outcome: c.outcome, code: c.code, replayed: c.replayed, count: c.n })),
      };
    },

    async items(batchId, after, limit) {
      const rows = await db.query<{ idx: number; line: number; result: unknown | null }>(
        `SELECT idx, line, result FROM batch_items WHERE batch_id = $1 AND idx > $2 ORDER BY idx LIMIT $3`,
        [batchId, after, limit],
      );
      return rows.map((r) => ({ index: r.idx, line: r.line, answer: r.result ?? null }));
    },

    async sweep(before) {
      const rows = await db.query(
        `DELETE FROM batches WHERE state = 'receiving' AND received_at < $1 RETURNING id`,
        [before],
      );
      return rows.length;
    },
  };
}

/**
 * An answer echoes what the client sent (an id, a field name), and jsonb takes neither NUL (`\u0000`) nor
 * half a surrogate pair: both become U+FFFD, so that no answer can fail to be recorded.
 */
function storableText(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? value.replace(UNSTORABLE, '\uFFFD') : value;
}

/** NUL, and a surrogate half without its other half. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what jsonb refuses
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
