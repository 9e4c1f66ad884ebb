import { type BenchResults, para, type StoreResult } from './report';

const f1 = (v: number) => v.toFixed(1);
const f0 = (v: number) => v.toFixed(0);
const times = (a: number, b: number) => `${f1(a / Math.max(b, 0.001))}×`;
const storeName = (s: StoreResult) => (s.store === 'pg' ? 'PostgreSQL' : 'PGlite');

/** The prose under the table: where the time goes, with this run's numbers. */
export function interpretation(r: BenchResults): string {
  const lite = r.stores.find((s) => s.store === 'pglite');
  const pg = r.stores.find((s) => s.store === 'pg');
  const any = pg ?? lite;
  if (!any) return '';
  const target = `${f0(r.targetRatio * 100)} %`;
  const missed = r.stores.filter((s) => !s.targetMet).map(storeName);
  const paragraphs = [
    para(
      '**Reading the numbers.**',
      missed.length === 0
        ? `The gateway reaches the ${target} target on every store.`
        : `The gateway misses the ${target} target on ${missed.join(' and ')}.`,
      'Both sides pay for one commit per request, so the difference is what the gateway does around it:',
      `${f0(any.gateway.statementsPerRequest)} SQL statements per registration against the baseline's`,
      `${f0(any.baseline.statementsPerRequest)} (BEGIN, INSERT, COMMIT), each a sequential round trip: the client`,
      'lookup (`X-Road-Client`) and the idempotency lookup, then in one transaction the notification INSERT, a',
      'SAVEPOINT, the mother lookup, the code series INSERT … ON CONFLICT and SELECT … FOR UPDATE, a check that',
      "the new code is free, the series UPDATE, the child's INSERT, RELEASE, the notification UPDATE, a re-read",
      'of the notification, and COMMIT. On top come the JSON Schema and domain validation, the hetu and',
      'Helsinki-date arithmetic and the circuit breaker.',
    ),
  ];
  if (lite) {
    paragraphs.push(
      para(
        "*PGlite* runs PostgreSQL as WebAssembly on the server's own event loop and executes one statement at",
        'a time, so the server process is the bottleneck and more connections only queue. It spent',
        `${f1(lite.gateway.cpuMsPerRequest)} ms of CPU per registration against ${f1(lite.baseline.cpuMsPerRequest)} ms per`,
        `baseline INSERT (${times(lite.gateway.cpuMsPerRequest, lite.baseline.cpuMsPerRequest)}), most of it inside PGlite`,
        '(the WASM engine and its file-system layer), paid again for every statement.',
      ),
    );
  }
  if (pg) {
    paragraphs.push(
      para(
        '*PostgreSQL* runs the statements in backend processes, which need CPU for every statement too. The',
        `gateway process spent ${f1(pg.gateway.cpuMsPerRequest)} ms of CPU per registration against`,
        `${f1(pg.baseline.cpuMsPerRequest)} ms for the baseline (${times(pg.gateway.cpuMsPerRequest, pg.baseline.cpuMsPerRequest)}).`,
        `With ${r.machine.cpus} cores shared by the server, the backends and the load generator, total CPU per`,
        'request decides: every extra statement costs a socket write and wake-ups on both sides plus parsing',
        "and planning an unnamed statement in the backend, and a registration's statements run one after",
        'another, holding a pooled connection throughout.',
      ),
    );
  }
  paragraphs.push(
    para(
      'What would move the ratio (not done here) is fewer statements per registration: cache clients',
      'briefly instead of looking them up on every request (the lookup aggregates channel exceptions as',
      'JSON and is the costliest single statement); drop the idempotency lookup before the transaction (the',
      'INSERT … ON CONFLICT already detects duplicates); lock and read the code series with one upsert …',
      "RETURNING, and claim the child's code with INSERT … ON CONFLICT DO NOTHING instead of a separate",
      'existence check; return the final row from the notification UPDATE instead of re-reading it. Named',
      '(prepared) statements would save parsing and planning on PostgreSQL. The machine may be shared with',
      'other work: compare ratios from one run, not absolute numbers across runs.',
    ),
  );
  return paragraphs.join('\n\n');
}
