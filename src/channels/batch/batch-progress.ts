import type { BatchItemRow, BatchRecord } from '../../core/batches/batch-queue';
import { type BatchSummary, emptySummary } from './batch-items';

/** An NDJSON batch as its client sees it: where it stands, its counts, and a page of its items. */
export function progressBody(record: BatchRecord, page: BatchItemRow[], next: string | undefined) {
  const summary: BatchSummary = emptySummary();
  let processed = 0;
  for (const d of record.decided) {
    processed += d.count;
    if (d.replayed) summary.replayed += d.count;
    if (d.outcome === 'registered') summary.registered += d.count;
    else if (d.outcome === 'accepted') summary.accepted += d.count;
    else {
      summary.refused += d.count;
      const code = d.code ?? 'INTERNAL';
      summary.refusedByCode[code] = (summary.refusedByCode[code] ?? 0) + d.count;
    }
  }
  return {
    id: record.id,
    status: record.state === 'done' ? 'done' : 'processing',
    receivedAt: record.receivedAt.toISOString(),
    ...(record.completedAt ? { completedAt: record.completedAt.toISOString() } : {}),
    total: record.total,
    processed,
    waiting: record.total - processed,
    summary,
    items: page.map(itemView),
    ...(next ? { next } : {}),
  };
}

/** An item of a listing: its answer once decided, else where it is and that it waits. */
export function itemView(row: BatchItemRow): Record<string, unknown> {
  return row.answer
    ? { ...(row.answer as Record<string, unknown>), state: 'done' }
    : { index: row.index, line: row.line, state: 'waiting' };
}
