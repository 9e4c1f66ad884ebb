import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { facadeCost } from './facade-cost';
import { motherCodes } from './gateway-server';
import { launch } from './launch';
import { birthBodies, type LoadRequest, REST_BIRTHS } from './load';
import { median, pairedRatios, summarize } from './measured';
import { roundRatiosText } from './report';
import {
  type Driver,
  log,
  MOTHERS,
  machine,
  type RoundSettings,
  runSettings,
  warmUpAndAlternate,
} from './rounds';
import { SOAP_V2_BIRTHS, soapBirthBodies } from './soap-load';
import {
  SOAP_TARGET_RATIO,
  type SoapBenchResults,
  type SoapStoreResult,
  soapMarkdownSection,
  soapMarkdownTable,
  updateSoapSection,
  writeSoapResults,
} from './soap-report';
import { freshPglite, freshPostgres, POOL_SIZE, type ProvisionedStore } from './stores';
import type { RunningTarget } from './target';

/**
 * `npm run bench:soap`: SOAP v2 birth registrations per second next to REST
 * ones, on the embedded store and on PostgreSQL. Per store one gateway is
 * started and kept running; after one warm-up each, REST and SOAP v2 take
 * turns against that same process in BENCH_ROUNDS rounds (REST, SOAP, REST,
 * SOAP, …), so the façade is the only difference, and the medians are
 * reported. A benchmark, not a test: it never fails on numbers.
 */

/** Both SOAP cut-offs lie in the past by the default settings: moved later so SOAP v2 is still open. */
export const SOAP_OPEN_ENV = {
  CUTOFF_LEGACY_SOAP: '2027-06-30T23:59:59+03:00',
  CUTOFF_SOAP_V2: '2027-12-31T23:59:59+02:00',
};

/** One request through each driver before any load, so a refused request fails the run with its reason. */
async function preflight(drivers: Driver[]): Promise<void> {
  for (const d of drivers) {
    const request: LoadRequest = d.request ?? REST_BIRTHS;
    const res = await fetch(`${d.running.url}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: d.body(),
    });
    const text = await res.text();
    if (res.status !== request.expectedStatus) {
      throw new Error(
        `${d.label}: expected ${request.expectedStatus}, got ${res.status}: ${text.slice(0, 800)}`,
      );
    }
  }
}

async function benchStore(
  kind: 'pglite' | 'pg',
  s: RoundSettings,
  inline: boolean,
): Promise<SoapStoreResult> {
  const store: ProvisionedStore =
    kind === 'pglite'
      ? freshPglite('a fresh temp data dir')
      : await freshPostgres(`one fresh database, pool of ${POOL_SIZE}`);
  try {
    log(`store: ${store.description}`);
    const running: RunningTarget = await launch(
      { target: 'gateway', store: store.spec, mothers: MOTHERS, clientKind: 'existing', env: SOAP_OPEN_ENV },
      inline,
    );
    try {
      const mothers = motherCodes(MOTHERS);
      const now = new Date();
      const tag = randomBytes(4).toString('hex');
      const drivers: Driver[] = [
        { label: 'rest', running, body: birthBodies(mothers, now, `${tag}-rest`), rounds: [] },
        {
          label: 'soap-v2',
          running,
          body: soapBirthBodies(mothers, now, `${tag}-soap`),
          request: SOAP_V2_BIRTHS,
          rounds: [],
        },
      ];
      await preflight(drivers);
      await warmUpAndAlternate(kind, drivers, s);
      const [rest, soap] = drivers.map((d) => d.warmup && summarize(d.warmup, d.rounds));
      if (!rest || !soap) throw new Error('both façades must have been measured');
      const roundRatios = pairedRatios(soap, rest);
      const ratio = median(roundRatios);
      const result: SoapStoreResult = {
        store: kind,
        description: store.description,
        rest,
        soap,
        roundRatios,
        ratio,
        targetMet: ratio >= SOAP_TARGET_RATIO && !soap.flagged,
      };
      log(
        `${kind}: median ratio SOAP/REST ${(ratio * 100).toFixed(0)} % (rounds: ${roundRatiosText(result)})`,
      );
      return result;
    } finally {
      await running.close();
    }
  } finally {
    await store.drop();
  }
}

async function main(): Promise<void> {
  const { settings, inline } = runSettings();
  const results: SoapBenchResults = {
    benchmark: 'soap-v2-vs-rest-births',
    date: new Date().toISOString(),
    machine: machine(),
    settings: {
      ...settings,
      clientKind: 'existing',
      gatewayEnv: SOAP_OPEN_ENV,
    },
    targetRatio: SOAP_TARGET_RATIO,
    facadeCost: facadeCost(motherCodes(MOTHERS)),
    stores: [],
  };
  const c = results.facadeCost;
  log(
    `façade steps: SOAP parseEnvelope ${c.soap.parseEnvelope.toFixed(0)} µs, REST JSON.parse ${c.rest.jsonParse.toFixed(1)} µs`,
  );
  for (const kind of ['pglite', 'pg'] as const) {
    results.stores.push(await benchStore(kind, settings, inline));
  }
  results.machine.loadAverage.end = os.loadavg()[0] ?? 0;
  const file = writeSoapResults(results);
  updateSoapSection(soapMarkdownSection(results));
  process.stdout.write(`\n${soapMarkdownTable(results)}\n\n`);
  for (const s of results.stores)
    process.stdout.write(`Per-round ratios SOAP/REST, ${s.store}: ${roundRatiosText(s)}\n`);
  const flagged = results.stores.filter((s) => s.soap.flagged || s.rest.flagged);
  if (flagged.length > 0) {
    process.stdout.write(
      `WARNING: unexpected statuses or connection errors in: ${flagged.map((s) => s.store).join(', ')}\n`,
    );
  }
  process.stdout.write(`Results: ${file}, bench/results/soap-latest.json; table in BENCHMARKS.md\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
