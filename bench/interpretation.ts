import type { BenchResults, StoreResult } from './measured';
import { para } from './report';

const f1 = (v: number) => v.toFixed(1);
const f0 = (v: number) => v.toFixed(0);
const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
/** Lowest to highest per-round ratio, e.g. "78–86 %". */
const spread = (s: StoreResult) =>
  `${f0(Math.min(...s.roundRatios) * 100)}–${f0(Math.max(...s.roundRatios) * 100)} %`;
const storeName = (s: StoreResult) => (s.store === 'pg' ? 'PostgreSQL' : 'PGlite');
/** Registrations per gateway transaction: how much group commit gathered. */
const perBatch = (s: StoreResult) => {
  const st = s.gateway.stats;
  return st && st.transactions > 0 ? st.stored / st.transactions : 1;
};

/** The prose under the table: where the time goes, with this run's numbers. */
export function interpretation(r: BenchResults): string {
  const target = `${f0(r.targetRatio * 100)} %`;
  const missed = r.stores.filter((s) => !s.targetMet).map(storeName);
  const paragraphs = [
    para(
      '**Reading the numbers.**',
      `By the median of ${r.settings.rounds} alternating rounds per store,`,
      missed.length === 0
        ? `the gateway reaches the ${target} target on every store.`
        : `the gateway misses the ${target} target on ${missed.join(' and ')}.`,
      'The baseline pays one transaction (BEGIN, INSERT, COMMIT) per request. The gateway validates the',
      'notification (JSON Schema from openapi.yaml, then the core), then hands it to a group commit: whatever',
      'arrives while a transaction is running goes into the next one together, and each request is answered',
      'only after the transaction holding it has committed. One registering transaction takes a fixed handful',
      'of statements whatever its size: BEGIN, the mothers and deceased locked and read in one query, the code series',
      "locked and read in one upsert, the children's codes claimed in one INSERT … ON CONFLICT, one INSERT of",
      'the notifications that also carries the series and death updates as CTEs, and COMMIT. A lone request',
      'is not delayed: it starts at once as a batch of one.',
    ),
  ];
  for (const s of r.stores) {
    const g = s.gateway;
    paragraphs.push(
      para(
        `*${storeName(s)}*: ${f1(perBatch(s))} registrations per transaction on average at`,
        `${r.settings.connections} connections, so ${f1(g.statementsPerRequest)} statements per registration against the`,
        `baseline's ${f0(s.baseline.statementsPerRequest)}; the server process spent ${f1(g.cpuMsPerRequest)} ms of CPU per`,
        `registration against ${f1(s.baseline.cpuMsPerRequest)} ms per baseline INSERT (all rounds together).`,
        `The per-round ratios span ${spread(s)}, median ${pct(s.ratio)}.`,
        s.store === 'pglite'
          ? "PGlite runs PostgreSQL as WebAssembly on the server's own event loop and executes one statement at a time, so statements saved are CPU saved; a transaction runs without yielding to I/O, which is why the group commit waits one event-loop turn before it starts a batch."
          : 'PostgreSQL runs the statements in backend processes on the same 2 cores as the server and the load generator, so total CPU per request decides; the gateway runs up to two batches at once, uses named (prepared) statements, and sends each batch of notifications as one JSON parameter.',
      ),
    );
  }
  paragraphs.push(
    para(
      'At low load every registration is a batch of one, about six statements in one transaction, so its',
      "latency is a few statement round trips above the baseline's; under load the gateway can outrun the",
      'baseline, which commits once per request. The machine may be shared with other work: each round',
      'pairs a baseline run with the gateway run right after it, and the median of those paired ratios is',
      'what to compare across runs; a wide span of per-round ratios means the machine was busy, and absolute',
      'requests/s are not comparable across runs.',
    ),
  );
  return paragraphs.join('\n\n');
}
