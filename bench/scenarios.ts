import { BENCH_CLIENT_ID, type Bodies, restBirths, soapV2Births } from './bodies';
import type { LoadRequest } from './load';
import type { ServerSpec } from './servers';

/**
 * The benchmarks, as data. A scenario names the servers it starts (each over
 * a fresh store of its own) and two request streams: the measured one and the
 * reference it is compared with. The runner alternates the two round by round
 * and reports the median of the per-round ratios against the target.
 */
export interface Stream {
  label: string;
  /** A key of the scenario's servers. */
  server: string;
  request: LoadRequest;
  bodies: Bodies;
}

export interface Scenario {
  id: string;
  title: string;
  servers: Record<string, ServerSpec>;
  measured: Stream;
  reference: Stream;
  /**
   * Throughput scenarios: the least measured ÷ reference requests/s that
   * meets the target. Tail scenarios (`offeredRate` set): the most measured
   * ÷ reference p99 that does.
   */
  targetRatio: number;
  /**
   * A tail scenario: both streams are offered the same fixed rate, this
   * share of the measured stream's peak (its requests/s in the warm-up, run
   * flat out), and compared by p99 latency. BENCH_RATE sets the rate instead.
   */
  offeredRate?: { ofPeak: number };
}

export const REST_BIRTHS: LoadRequest = {
  path: '/v1/births',
  headers: { 'content-type': 'application/json', 'x-road-client': BENCH_CLIENT_ID },
  expectedStatus: 201,
};

const SOAP_V2_BIRTHS: LoadRequest = {
  path: '/soap/v2',
  headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
  expectedStatus: 200,
};

/** By the default settings both SOAP cut-offs are past: moved later so that SOAP v2 is still open. */
const SOAP_OPEN = {
  CUTOFF_LEGACY_SOAP: '2027-06-30T23:59:59+03:00',
  CUTOFF_SOAP_V2: '2027-12-31T23:59:59+02:00',
};

const GATEWAY = { kind: 'gateway', clientKind: 'new' } as const;
const restStream = (label: string, server: string): Stream => ({
  label,
  server,
  request: REST_BIRTHS,
  bodies: restBirths,
});

/** The gateway's p99 against the baseline's at a fixed share of the gateway's peak rate. */
const tail = (ofPeak: number): Scenario => ({
  id: `rest-tail-${ofPeak === 0.25 ? 'quarter' : 'half'}`,
  title: `REST births vs. the baseline at ${ofPeak * 100} % of the gateway's peak rate: p99 latency`,
  servers: { gateway: GATEWAY, baseline: { kind: 'baseline' } },
  measured: restStream('gateway', 'gateway'),
  reference: restStream('baseline', 'baseline'),
  targetRatio: 1.5,
  offeredRate: { ofPeak },
});

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'rest-vs-baseline',
    title: 'REST births vs. express + one INSERT per request',
    servers: { gateway: { kind: 'gateway', clientKind: 'new' }, baseline: { kind: 'baseline' } },
    measured: { label: 'gateway', server: 'gateway', request: REST_BIRTHS, bodies: restBirths },
    reference: { label: 'baseline', server: 'baseline', request: REST_BIRTHS, bodies: restBirths },
    targetRatio: 1,
  },
  {
    id: 'rest-vs-plain-baseline',
    title: 'REST births vs. express + one autocommit INSERT on a plain pg.Pool / PGlite',
    servers: { gateway: GATEWAY, baseline: { kind: 'plain-baseline' } },
    measured: restStream('gateway', 'gateway'),
    reference: restStream('plain', 'baseline'),
    targetRatio: 1,
  },
  {
    id: 'rest-vs-echo',
    title: 'REST births vs. an express JSON echo (no database)',
    servers: { gateway: GATEWAY, echo: { kind: 'echo' } },
    measured: restStream('gateway', 'gateway'),
    reference: restStream('echo', 'echo'),
    // Reported, not a target of its own: what durable work costs next to none.
    targetRatio: 0,
  },
  tail(0.25),
  tail(0.5),
  {
    id: 'soap-v2-vs-rest',
    title: 'SOAP v2 births vs. REST births on the same gateway',
    servers: { gateway: { kind: 'gateway', clientKind: 'existing', env: SOAP_OPEN } },
    measured: { label: 'soap-v2', server: 'gateway', request: SOAP_V2_BIRTHS, bodies: soapV2Births },
    reference: { label: 'rest', server: 'gateway', request: REST_BIRTHS, bodies: restBirths },
    targetRatio: 0.8,
  },
];
