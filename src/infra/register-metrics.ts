import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DeliveryEvents } from '../core/notifications/remote-delivery';
import type { OutboxStats } from './pg/outbox-sql';
import type { BreakerState } from './register-guard';

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half-open', 'open'];

/**
 * The register boundary in /metrics: the outbox (depth, oldest age, attempts
 * by outcome), each call to the register (latency by outcome) and the
 * circuit breaker's state. Closed label sets only.
 */
export function registerMetrics(
  registry: Registry,
  sources: { breakerState: () => BreakerState; outbox: () => Promise<OutboxStats> },
) {
  const calls = new Histogram({
    name: 'vtj_register_call_duration_seconds',
    help: 'Calls to the remote register, by outcome (answered, refused, failed).',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'vtj_outbox_deliveries_total',
    help: 'Notifications offered to the register, by how the attempt ended (registered, rejected, failed, needs-attention; deferred: the circuit was open, no call went out).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'vtj_register_breaker_state',
    help: 'The circuit breaker around the register: 1 for the state it is in (closed, half-open, open).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const now = sources.breakerState();
      for (const state of BREAKER_STATES) this.set({ state }, state === now ? 1 : 0);
    },
  });
  let latest: Promise<OutboxStats | undefined> | undefined;
  // One query per scrape, shared by the three gauges; a database that does not answer leaves them as they were.
  const stats = () => {
    latest ??= sources
      .outbox()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (latest = undefined), 0));
    return latest;
  };
  const gauge = (name: string, help: string, pick: (s: OutboxStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const s = await stats();
        if (s) this.set(pick(s));
      },
    });
  gauge('vtj_outbox_pending', 'Pending notifications the outbox still tries by itself.', (s) => s.pending);
  gauge(
    'vtj_outbox_needs_attention',
    'Pending notifications that need an operator.',
    (s) => s.needsAttention,
  );
  gauge(
    'vtj_outbox_oldest_pending_age_seconds',
    'Age of the oldest pending notification.',
    (s) => s.oldestPendingAgeSeconds,
  );

  const events: DeliveryEvents = {
    delivered: (outcome, count) => {
      if (count > 0) deliveries.inc({ outcome }, count);
    },
  };
  return {
    events,
    observeCall: (seconds: number, outcome: 'answered' | 'refused' | 'failed') =>
      calls.observe({ outcome }, seconds),
  };
}
