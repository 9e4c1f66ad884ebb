/**
 * The durable queue behind large batches (NDJSON, POST /v1/batches): every
 * line is stored before the batch is acknowledged, and decided later by
 * whichever instance claims it. The core only names this port; the batch
 * channel fills and drains it (the text of a line and its answer are the
 * channel's wire form, opaque here), and the store implements it.
 */

/** How an item ended. */
export type BatchOutcome = 'registered' | 'accepted' | 'refused';

/** An item's answer, as its single request would have been answered. */
export interface Decided {
  outcome: BatchOutcome;
  /** The error code of a refusal; null otherwise. */
  code: string | null;
  replayed: boolean;
  /** The item's result as the batch channel shows it. */
  answer: unknown;
}

/** A line as it was taken in: its text, to be decided later, or already its answer (refused on arrival). */
export type BatchLine =
  | { index: number; line: number; text: string }
  | { index: number; line: number; decided: Decided };

export interface BatchItemKey {
  batchId: string;
  index: number;
}

/** An item a worker has claimed, with what it needs to decide it. */
export interface ClaimedItem extends BatchItemKey {
  clientId: string;
  line: number;
  text: string;
}

export interface BatchRecord {
  id: string;
  clientId: string;
  /** `open` while items wait to be decided, `done` once every item is. */
  state: 'open' | 'done';
  receivedAt: Date;
  completedAt: Date | null;
  total: number;
  /** Decided items, by outcome, refusal code and whether they repeated an earlier notification. */
  decided: { outcome: BatchOutcome; code: string | null; replayed: boolean; count: number }[];
}

/** An item as a listing shows it: decided (its answer) or still waiting. */
export interface BatchItemRow {
  index: number;
  line: number;
  answer: unknown | null;
}

export interface BatchQueue {
  /** A new batch of this client, taking in its lines (seen by nobody until sealed). */
  open(clientId: string, at: Date): Promise<string>;
  append(batchId: string, lines: readonly BatchLine[]): Promise<void>;
  /** Every line is in: the batch is acknowledged and its items may be claimed. */
  seal(batchId: string, total: number): Promise<void>;
  /** Drops a batch that was never sealed (its upload failed or was refused). */
  discard(batchId: string): Promise<void>;
  /**
   * Claims up to `limit` waiting items of one open batch for `owner` until
   * `now + leaseMs`: items no one holds, or whose holder's lease has run out
   * (it crashed, or is slow: its items are decided again, which idempotency
   * makes harmless). Batches take turns: the one claimed from longest ago first.
   */
  claim(owner: string, now: Date, leaseMs: number, limit: number): Promise<ClaimedItem[]>;
  /** Records answers; the first answer of an item stands. Batches whose every item is answered are done. */
  decide(items: readonly (BatchItemKey & Decided)[], at: Date): Promise<void>;
  /** The batch if it is this client's and was sealed. */
  find(clientId: string, batchId: string): Promise<BatchRecord | undefined>;
  /** Items after index `after`, in order, at most `limit`. */
  items(batchId: string, after: number, limit: number): Promise<BatchItemRow[]>;
  /** Drops batches whose upload began before `before` and never ended (the process died during it). */
  sweep(before: Date): Promise<number>;
}
