export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Group commit: work submitted while a batch is running waits and goes into
 * the next batch together, so under load many notifications share one
 * transaction (one commit, a few statements), while a lone request starts at
 * once and waits for nothing. Each submitter gets its own item's result.
 */
export class GroupCommit<I, O> {
  private readonly queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<Settled<O>[]>,
    private readonly limits: {
      maxBatch: number;
      maxConcurrent: number;
      /**
       * A batch failing with such an error fails every submission still
       * waiting too, at once: when the store is down, each would only wait
       * for its own batch to fail the same way, and a queue of them would
       * wait for each other.
       */
      shedsQueue?: (err: unknown) => boolean;
      /**
       * When the next batch may start once work is waiting: by default at
       * once (a microtask later). The composition decides for the store it
       * wires in (services.ts): the next event-loop turn, so that what
       * arrived meanwhile joins the batch.
       */
      defer?: (start: () => void) => void;
    },
  ) {}

  /** Resolves once nothing is queued or running (at once when nothing is). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private readonly idleWaiters: (() => void)[] = [];

  private isIdle(): boolean {
    return this.running === 0 && this.queue.length === 0 && !this.scheduled;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Starts the next batch when the store's `defer` says, with all that has arrived by then. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    (this.limits.defer ?? queueMicrotask)(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private scheduled = false;

  private pump(): void {
    while (this.running < this.limits.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.limits.maxBatch);
      this.running++;
      this.run(batch.map((b) => b.item))
        .then(
          (results) =>
            batch.forEach((b, i) => {
              const r = results[i];
              if (r?.ok) b.resolve(r.value);
              else b.reject(r ? r.error : new Error('no result for a batch item'));
            }),
          (err) => {
            for (const b of batch) b.reject(err);
            if (this.limits.shedsQueue?.(err)) for (const b of this.queue.splice(0)) b.reject(err);
          },
        )
        .finally(() => {
          this.running--;
          if (this.queue.length > 0) this.schedule();
          else if (this.isIdle()) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }
}
