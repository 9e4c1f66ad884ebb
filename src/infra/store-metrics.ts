import { Counter, type Registry } from 'prom-client';
import type { SpeculationOutcome } from './pg/store';

/**
 * The registering transactions that speculated (one round trip instead of
 * two: persons-sql.ts), by how they ended: `held` committed as speculated;
 * `stale` and `unsupported` were undone and run again, locking first. Many
 * `stale` mean instances drawing from the same code series at once.
 */
export function speculationMetrics(registry: Registry): (outcome: SpeculationOutcome) => void {
  const counter = new Counter({
    name: 'vtj_speculative_transactions_total',
    help: 'Registering transactions that speculated on the register instead of locking first, by outcome (held: committed; stale: the register was otherwise; unsupported: a rule needed more; both run again locking).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['held', 'stale', 'unsupported'] as const) counter.inc({ outcome }, 0);
  return (outcome) => counter.inc({ outcome });
}
