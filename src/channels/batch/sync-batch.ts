import { DomainError, type FieldError, validationFailed } from '../../core/errors';
import type { Identified, RequestInfo } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import {
  type BatchSummary,
  count,
  decodeItem,
  emptySummary,
  type ItemResult,
  itemInfo,
  itemResult,
} from './batch-items';

export interface SyncBatchAnswer {
  results: ItemResult[];
  summary: BatchSummary & { total: number };
}

/**
 * The items of an application/json batch, `{"items": [...]}`: the whole body
 * is judged first (an object with a non-empty `items` array, at most
 * `maxItems` of them), then every item on its own.
 */
export function batchItems(body: unknown, maxItems: number): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationFailed([
      { field: '(body)', code: 'INVALID_TYPE', message: 'must be an object: {"items": [...]}' },
    ]);
  }
  const errors: FieldError[] = [];
  const items = (body as { items?: unknown }).items;
  if (items === undefined) errors.push({ field: 'items', code: 'REQUIRED', message: 'is required' });
  else if (!Array.isArray(items))
    errors.push({ field: 'items', code: 'INVALID_TYPE', message: 'must be an array' });
  else if (items.length === 0)
    errors.push({ field: 'items', code: 'OUT_OF_RANGE', message: 'must hold at least one item' });
  for (const key of Object.keys(body)) {
    if (key !== 'items')
      errors.push({ field: key, code: 'UNKNOWN_FIELD', message: 'is not a field of this request' });
  }
  if (errors.length > 0) throw validationFailed(errors);
  const list = items as unknown[];
  if (list.length > maxItems) {
    throw new DomainError('PAYLOAD_TOO_LARGE', {
      limit: `at most ${maxItems} items in one application/json batch (this one has ${list.length}); send larger batches as application/x-ndjson, one item per line, which are taken in and decided in the background`,
    });
  }
  return list;
}

/**
 * Decides every item through the pipeline, as a single REST submission of
 * its own (in the core's bulk lane), and answers once all are decided. Items
 * go in in order: the ones that share a transaction are decided in their
 * batch order. A bad item is answered on its own; it never stops another.
 */
export async function decideAll(
  pipeline: RequestPipeline,
  identified: Identified,
  items: readonly unknown[],
  info: RequestInfo,
  minimal = false,
  xRoad?: { id: string | null; userId: string | null },
): Promise<SyncBatchAnswer> {
  // Items are decided faster than their audit rows are written: a batch first waits for the trail.
  await pipeline.auditCaughtUp();
  const results = await Promise.all(
    items.map(async (value, index) => {
      const decoded = decodeItem(value);
      const own = itemInfo(info, identified, decoded, xRoad);
      const handled = decoded.ok
        ? await pipeline.handle(identified, decoded.request, own)
        : pipeline.failed(decoded.error, own, identified);
      return itemResult(handled, { index }, decoded, minimal);
    }),
  );
  const summary = { total: results.length, ...emptySummary() };
  for (const r of results) count(summary, r);
  return { results, summary };
}

/**
 * How many application/json batches each client has being decided on this
 * instance. Each holds its items in memory until answered; a client past
 * the limit is told to wait (RATE_LIMITED, Retry-After), so one client's
 * flood of batches can hold neither the memory nor the bulk lane.
 */
export class InFlight {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  async run<T>(clientId: string, fn: () => Promise<T>): Promise<T> {
    const n = this.counts.get(clientId) ?? 0;
    if (n >= this.limit) throw new DomainError('RATE_LIMITED');
    this.counts.set(clientId, n + 1);
    try {
      return await fn();
    } finally {
      const left = (this.counts.get(clientId) ?? 1) - 1;
      if (left === 0) this.counts.delete(clientId);
      else this.counts.set(clientId, left);
    }
  }
}
