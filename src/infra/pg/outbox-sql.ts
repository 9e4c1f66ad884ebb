import type { Queryable } from './database';

export interface OutboxStats {
  /** Pending notifications the outbox still tries by itself. */
  pending: number;
  /** Pending notifications that need an operator's attention. */
  needsAttention: number;
  /** Seconds since the oldest pending notification (either kind) was received; 0 when none. */
  oldestPendingAgeSeconds: number;
}

/** The outbox at a glance, for /metrics. One index-backed query. */
export async function outboxStats(q: Queryable, now: Date): Promise<OutboxStats> {
  const [row] = await q.query<{ pending: string; attention: string; oldest: Date | null }>(
    `SELECT count(*) FILTER (WHERE attention_since IS NULL) AS pending,
            count(*) FILTER (WHERE attention_since IS NOT NULL) AS attention,
            min(received_at) AS oldest
     FROM notifications WHERE status = 'pending'`,
  );
  return {
    pending: Number(row?.pending ?? 0),
    needsAttention: Number(row?.attention ?? 0),
    oldestPendingAgeSeconds: row?.oldest
      ? Math.max(0, (now.getTime() - new Date(row.oldest).getTime()) / 1000)
      : 0,
  };
}
