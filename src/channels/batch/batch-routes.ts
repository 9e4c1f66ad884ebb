import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { BatchQueue } from '../../core/batches/batch-queue';
import { DomainError, type FieldError, validationFailed } from '../../core/errors';
import type { Clock } from '../../core/time/clock';
import { declaredLengthWithin } from '../../http/body-errors';
import { methodNotAllowed } from '../../http/method-not-allowed';
import { requestInfo } from '../../http/request-log';
import type { Identified } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { itemView, progressBody } from './batch-progress';
import { takeIn } from './ndjson-intake';
import { batchItems, decideAll, InFlight } from './sync-batch';

/** The sizes of batch requests (config.ts: the BATCH_* settings). */
export interface BatchLimits {
  syncMaxItems: number;
  syncMaxBytes: number;
  syncConcurrency: number;
  maxItems: number;
  maxLineBytes: number;
  maxBytes: number;
}

export interface BatchDeps {
  pipeline: RequestPipeline;
  batches: BatchLimits;
  batchQueue: BatchQueue;
  /** This instance's worker, woken when a batch has been taken in. */
  batchWorker: { nudge(): void };
  clock: Clock;
}

const NDJSON = 'application/x-ndjson';
const PAGE = { default: 100, max: 1000 };
const NDJSON_PAGE = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Batches of births and deaths, each item decided exactly as its own REST
 * submission would be. For callers `identifyRestCaller` has let in: a batch
 * is part of the REST interface (channel `rest`), its caller identified
 * once, and it costs one request of the client's budget.
 *
 * - POST /v1/batches as `application/json` `{"items": [...]}`, up to
 *   BATCH_SYNC_MAX_ITEMS: 200 with a result per item once all are decided.
 * - POST /v1/batches as `application/x-ndjson`, one item per line, up to
 *   BATCH_MAX_ITEMS: streamed in, every line stored, then 202 with the
 *   batch's id; decided in the background by any instance's worker.
 * - GET /v1/batches/{id}: an NDJSON batch's progress and its items' results,
 *   paged (`after`, `limit`) or all as NDJSON (`Accept: application/x-ndjson`).
 *   Only the client that sent it sees it.
 */
export function batchRoutes(deps: BatchDeps): Router {
  const router = Router();
  const limits = deps.batches;
  const inFlight = new InFlight(limits.syncConcurrency);
  const json = [
    declaredLengthWithin(limits.syncMaxBytes),
    express.json({ limit: limits.syncMaxBytes, strict: true, type: () => true }),
  ];

  const sync = async (req: Request, res: Response) => {
    const identified: Identified = res.locals.identified;
    const items = batchItems(req.body, limits.syncMaxItems);
    // RFC 7240: a registered item's result left out, for senders that count outcomes (vtj-gateway replay).
    const minimal = /(^|[\s,;])return=minimal\b/.test(req.get('Prefer') ?? '');
    const answer = await inFlight.run(identified.client.id, () =>
      decideAll(deps.pipeline, identified, items, requestInfo(req, res), minimal, {
        id: req.get('X-Road-Id') ?? null,
        userId: req.get('X-Road-UserId') ?? null,
      }),
    );
    if (minimal) res.set('Preference-Applied', 'return=minimal');
    res.status(200).json(answer);
  };

  const ndjson = async (req: Request, res: Response) => {
    const identified: Identified = res.locals.identified;
    const receivedAt = deps.clock.now();
    const { id, total } = await takeIn(
      req,
      deps.batchQueue,
      identified.client.id,
      receivedAt,
      limits,
      randomUUID,
    );
    deps.batchWorker.nudge();
    const location = `/v1/batches/${id}`;
    res
      .status(202)
      .location(location)
      .json({ id, status: 'processing', receivedAt: receivedAt.toISOString(), total, location });
  };

  router.post('/batches', contentType, (req: Request, res: Response, next: NextFunction) => {
    if (req.is(NDJSON)) ndjson(req, res).catch(next);
    else next();
  });
  router.post('/batches', json, sync);
  router.all('/batches', methodNotAllowed('POST'));

  router.get('/batches/:batchId', async (req: Request, res: Response) => {
    const identified: Identified = res.locals.identified;
    const batchId = String(req.params.batchId);
    const record = UUID.test(batchId) ? await deps.batchQueue.find(identified.client.id, batchId) : undefined;
    if (!record) {
      throw new DomainError('NOT_FOUND', {
        what: 'batch of this client with that id',
        where: 'a batch is seen only by the client that sent it, at the Location its 202 gave',
      });
    }
    if (req.accepts(['application/json', NDJSON]) === NDJSON) {
      await streamItems(res, deps.batchQueue, batchId);
      return;
    }
    const { after, limit } = pageOf(req);
    const page = await deps.batchQueue.items(batchId, after, limit + 1);
    const last = page.length > limit ? page[limit - 1] : undefined;
    const next = last ? `/v1/batches/${batchId}?after=${last.index}&limit=${limit}` : undefined;
    res.json(progressBody(record, page.slice(0, limit), next));
  });
  router.all('/batches/:batchId', methodNotAllowed('GET'));
  return router;
}

/** A batch is sent as JSON (decided at once) or NDJSON (taken in); anything else is refused before it is read. */
function contentType(req: Request, _res: Response, next: NextFunction): void {
  const matches = req.is(['application/json', NDJSON]);
  if (matches === null || req.get('Content-Length') === '0') {
    throw new DomainError('MALFORMED_REQUEST', {
      reason: `it has no body; send the items as application/json {"items": [...]} or as ${NDJSON}, one per line`,
    });
  }
  if (!matches) {
    const given = req.get('Content-Type');
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', {
      expected: `sent as Content-Type: application/json or ${NDJSON}${given ? `, not ${given}` : ''}`,
    });
  }
  const coding = (req.get('Content-Encoding') ?? 'identity').trim().toLowerCase();
  if (matches === NDJSON && coding !== 'identity') {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', { expected: `${NDJSON} without content coding` });
  }
  next();
}

/** `after`: the index of the last item already seen (none: from the first); `limit`: items per page. */
function pageOf(req: Request): { after: number; limit: number } {
  const errors: FieldError[] = [];
  const read = (name: string, min: number, max: number, fallback: number) => {
    const raw = req.query[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < min || n > max) {
      errors.push({
        field: name,
        code: 'OUT_OF_RANGE',
        message: `must be a whole number from ${min} to ${max}`,
      });
      return fallback;
    }
    return n;
  };
  const after = read('after', 0, 2 ** 31 - 1, -1);
  const limit = read('limit', 1, PAGE.max, PAGE.default);
  if (errors.length > 0) throw validationFailed(errors);
  return { after, limit };
}

/** Every item, one JSON object per line, read a page at a time as the client takes them. */
async function streamItems(res: Response, queue: BatchQueue, batchId: string): Promise<void> {
  res.status(200).type(NDJSON);
  let after = -1;
  for (;;) {
    const page = await queue.items(batchId, after, NDJSON_PAGE);
    if (page.length === 0) break;
    const text = page.map((row) => `${JSON.stringify(itemView(row))}\n`).join('');
    if (!res.write(text)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    if (res.destroyed) return;
    after = (page[page.length - 1] as { index: number }).index;
    if (page.length < NDJSON_PAGE) break;
  }
  res.end();
}
