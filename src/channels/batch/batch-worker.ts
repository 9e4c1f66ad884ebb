import type { BatchItemKey, BatchQueue, ClaimedItem, Decided } from '../../core/batches/batch-queue';
import type { Logger } from '../../core/ports';
import type { Clock } from '../../core/time/clock';
import type { Handled, Identified, RequestInfo } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { decodeLine, type ItemResult, itemInfo, itemResult } from './batch-items';

/** Refusals that say "not now", not "no": such an item is left to be decided again once its lease runs out. */
const RETRY_LATER = new Set(['SERVICE_UNAVAILABLE', 'REGISTER_UNAVAILABLE']);
const INFO: RequestInfo = { method: 'POST', path: '/v1/batches' };

export interface BatchWorkerDeps {
  queue: BatchQueue;
  pipeline: RequestPipeline;
  clock: Clock;
  logger: Logger;
  /** Who claims: unique per process, so that a restarted one is another holder. */
  owner: string;
  leaseMs: number;
  /** Items per claim. */
  chunk: number;
  /** Claims being decided at once on this instance. */
  concurrency: number;
  /** An upload still unsealed after this long was cut off by its process's end: its batch is dropped. */
  abandonAfterMs: number;
}

/**
 * Decides the items of NDJSON batches in the background, on every instance:
 * claims a chunk (a lease), hands each item to the request pipeline as its
 * own REST submission (in the core's bulk lane), and records the answers.
 * A crash loses nothing: the lease runs out and any instance decides those
 * items again; their notificationIds make the second time a replay.
 */
export class BatchWorker {
  private active: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: BatchWorkerDeps) {}

  /** Work has arrived: start deciding now rather than at the next poll. */
  nudge(): void {
    void this.drain();
  }

  /** Decides chunks until none is left to claim; one drain at a time per instance. Never throws. */
  drain(): Promise<void> {
    if (this.active) {
      this.again = true;
      return this.active;
    }
    // Each lane claims until nothing is left or a claim fails (the database is down: the next poll tries again).
    const lane = async () => {
      try {
        while (!this.stopping && (await this.round()) > 0);
        return true;
      } catch (err) {
        this.deps.logger.warn(
          { err: String(err) },
          'batch items could not be decided now; trying again later',
        );
        return false;
      }
    };
    this.active = (async () => {
      try {
        let ok = true;
        do {
          this.again = false;
          const lanes = await Promise.all(Array.from({ length: this.deps.concurrency }, lane));
          ok = lanes.every(Boolean);
        } while (ok && this.again && !this.stopping);
      } finally {
        this.active = undefined;
      }
    })();
    return this.active;
  }

  /** Polls every `pollMs` for items (another instance's batches, leases run out), and drops abandoned uploads. */
  start(pollMs: number): void {
    this.stopping = false;
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      void this.drain();
      const before = new Date(this.deps.clock.now().getTime() - this.deps.abandonAfterMs);
      this.deps.queue.sweep(before).catch(() => {});
    }, pollMs);
    this.timer.unref();
  }

  /** Takes no more claims and waits for the ones being decided. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.active;
  }

  /** One claim, decided and recorded; how many items it claimed (0: nothing waits). */
  async round(): Promise<number> {
    const { queue, clock, owner, leaseMs, chunk } = this.deps;
    // Items are decided faster than their audit rows are written: a chunk first waits for the trail.
    await this.deps.pipeline.auditCaughtUp();
    const claimed = await queue.claim(owner, clock.now(), leaseMs, chunk);
    if (claimed.length === 0) return 0;
    const callers = new Map<string, Promise<Identified>>();
    const answers = await Promise.all(
      claimed.map(async (item) => {
        let identified = callers.get(item.clientId);
        if (!identified) {
          identified = this.deps.pipeline.resume('rest', item.clientId);
          callers.set(item.clientId, identified);
        }
        return this.decide(item, identified);
      }),
    );
    const decided = answers.filter((a): a is BatchItemKey & Decided => a !== undefined);
    await queue.decide(decided, clock.now());
    return claimed.length;
  }

  private async decide(
    item: ClaimedItem,
    caller: Promise<Identified>,
  ): Promise<(BatchItemKey & Decided) | undefined> {
    const { pipeline } = this.deps;
    const decoded = decodeLine(item.text, item.line);
    let handled: Handled;
    try {
      const identified = await caller;
      const info = itemInfo(INFO, identified, decoded);
      handled = decoded.ok
        ? await pipeline.handle(identified, decoded.request, info)
        : pipeline.failed(decoded.error, info, identified);
    } catch (err) {
      handled = pipeline.failed(err, INFO);
    }
    if (!handled.ok && RETRY_LATER.has(handled.error.code)) return undefined;
    const answer = itemResult(handled, { index: item.index, line: item.line }, decoded);
    return { batchId: item.batchId, index: item.index, ...outcomeOf(answer) };
  }
}

function outcomeOf(answer: ItemResult): Decided {
  const replayed = answer.replayed === true;
  if (answer.status === 201) return { outcome: 'registered', code: null, replayed, answer };
  if (answer.status === 202) return { outcome: 'accepted', code: null, replayed, answer };
  return { outcome: 'refused', code: answer.problem?.code ?? 'INTERNAL', replayed, answer };
}
