import type { CodeSeriesPosition } from '../../core/register/person';

/** How many code series the view keeps (a series is a day, pool and parity: births concentrate on a few). */
const MAX_SERIES = 4096;
/** After a speculation found stale, how many transactions touching its series lock them first (the default). */
export const COOL_DOWN = 32;

/**
 * Where this instance last saw, or left, each code series: the position its
 * own transactions read under lock or moved it to, committed or still in
 * flight. It is never trusted: a transaction that starts from it
 * (speculative-lock.ts) checks, under the series' row lock, that the series
 * still stands there, and is run again the locking way if not. So it may be
 * behind (another instance moved the series) or ahead (a transaction of this
 * instance failed): that costs a transaction run twice, never a wrong code.
 * A series found stale is not speculated on for the next COOL_DOWN
 * transactions that touch it, so that two instances drawing from the same
 * day's series do not keep undoing each other's speculations.
 */
export class SeriesView {
  private readonly positions = new Map<string, CodeSeriesPosition>();
  private readonly cooling = new Map<string, number>();

  constructor(private readonly coolDown = COOL_DOWN) {}

  /** The position to speculate on, or undefined: not known, or cooling down after a stale speculation. */
  speculate(id: string): CodeSeriesPosition | undefined {
    const left = this.cooling.get(id);
    if (left === undefined) return this.positions.get(id);
    if (left <= 1) this.cooling.delete(id);
    else this.cooling.set(id, left - 1);
    return undefined;
  }

  /** A position read under the series' lock, or one a transaction is moving it to. */
  set(id: string, position: CodeSeriesPosition): void {
    this.positions.delete(id);
    this.positions.set(id, position);
    if (this.positions.size > MAX_SERIES) {
      const oldest = this.positions.keys().next().value;
      if (oldest !== undefined) this.positions.delete(oldest);
    }
  }

  /** A transaction that moved these series failed: what it left in the view may never have been. */
  forget(ids: Iterable<string>, stale: boolean): void {
    for (const id of ids) {
      this.positions.delete(id);
      if (stale && this.coolDown > 0) this.cooling.set(id, this.coolDown);
    }
    while (this.cooling.size > MAX_SERIES) {
      const oldest = this.cooling.keys().next().value;
      if (oldest === undefined) break;
      this.cooling.delete(oldest);
    }
  }

  /** How many series it knows (for tests). */
  get size(): number {
    return this.positions.size;
  }
}

/** One transaction's use of the view: the series it set, forgotten again if the transaction fails. */
export class SeriesViewSession {
  private readonly touched = new Set<string>();
  /** Whether this transaction started from the view (a speculative lock). */
  speculated = false;

  constructor(
    readonly view: SeriesView,
    /** False for a transaction run again after its speculation failed: it locks first. */
    readonly maySpeculate: boolean,
  ) {}

  set(id: string, position: CodeSeriesPosition): void {
    this.touched.add(id);
    this.view.set(id, position);
  }

  failed(stale: boolean): void {
    this.view.forget(this.touched, stale);
  }
}
