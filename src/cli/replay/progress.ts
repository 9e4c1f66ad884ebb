/**
 * The replay's progress on standard error: on a terminal one line redrawn
 * (count, share, a bar, the rate over the last seconds, the time left); else a
 * plain line every few seconds, for logs.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private readonly samples: { at: number; done: number }[] = [];
  private lastDrawn = 0;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly startAt: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = out.isTTY === true;
  }

  update(done: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    this.samples.push({ at: now, done });
    while (this.samples.length > 2 && (this.samples[0] as { at: number }).at < now - 5000)
      this.samples.shift();
    if (!force && now - this.lastDrawn < (this.tty ? 100 : 5000)) return;
    this.lastDrawn = now;
    const first = this.samples[0] ?? { at: this.started, done: this.startAt };
    const seconds = (now - first.at) / 1000;
    const rate = seconds > 0.2 ? (done - first.done) / seconds : 0;
    const left = rate > 0 ? (this.total - done) / rate : undefined;
    const share = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const figures = `${fmt(done)} / ${fmt(this.total)}  ${(share * 100).toFixed(0).padStart(3)} %  ${fmt(rate)}/s  ${left === undefined ? 'time left –' : `${clock(left)} left`}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(share * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}\x1b[K`);
    } else {
      this.out.write(`replay: ${figures}\n`);
    }
  }

  /** Ends the redrawn line. */
  finish(done: number): void {
    if (!this.enabled) return;
    this.update(done, true);
    if (this.tty) this.out.write('\n');
  }
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}
