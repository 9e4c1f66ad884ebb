import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { type Config, loadConfig } from '../../src/config';
import type { RegisterGuard } from '../../src/core/ports';
import { buildGateway, type Gateway } from '../../src/gateway';
import { createLogger } from '../../src/infra/logger';
import type { Database } from '../../src/infra/pg/database';
import { fixedClock, type TestClock } from './clock';
import { logLine } from './run-log';
import { resetDb, sharedDb } from './test-db';

export const OPS_TOKEN = 'test-operator-token-0123456789';
/** The tests' "now": a Monday in November 2026, Helsinki winter time. */
export const NOW = '2026-11-23T12:00:00+02:00';

export const CLIENTS = {
  rest: 'FI/GOV/0123456-7/synnytys',
  existing: 'FI/GOV/0123456-7/potilas',
  sandbox: 'FI-TEST/GOV/0123456-7/testi',
} as const;

/** Permanent-range persons (DVV's published fictional examples and codes made for these tests). */
export const PERSONS = {
  mother: '131052-308T',
  mother2: '150590-302N',
  elderly: '010150-123A',
  deceasedMother: '020290-322H',
  sandboxMother: '150590-9021',
  temporary: '150324A906H',
} as const;

export interface Harness {
  gateway: Gateway;
  http: TestAgent;
  clock: TestClock;
  config: Config;
  db: Database;
  logLines: string[];
  ops(method: 'get' | 'post' | 'patch', path: string): request.Test;
}

/** A gateway over the shared, freshly emptied test database, with the standard clients and persons. */
export async function startHarness(
  opts: { env?: Record<string, string>; guard?: RegisterGuard; db?: Database; reset?: boolean } = {},
): Promise<Harness> {
  const db = opts.db ?? (await sharedDb());
  if (opts.reset !== false && !opts.db) await resetDb();
  // Suites send thousands of requests as one client: the budgets are the rate-limit tests' to set.
  const config = loadConfig({
    ...process.env,
    OPS_TOKEN,
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_BURST: '1000000',
    OPS_RATE_LIMIT_PER_MINUTE: '100000000',
    ...opts.env,
  });
  const clock = fixedClock(NOW);
  const logLines: string[] = [];
  const logger = createLogger('info', {
    write: (line: string) => {
      logLines.push(line);
      logLine('harness', line);
    },
  });
  const gateway = buildGateway(config, { db, clock, logger, guard: opts.guard });
  const http = request(gateway.app);
  const h: Harness = {
    gateway,
    http,
    clock,
    config,
    db,
    logLines,
    ops: (method, path) => http[method](path).set('Authorization', `Bearer ${OPS_TOKEN}`),
  };
  return h;
}

/** Registers the standard clients and persons through the operator API, as an operator would. */
export async function seedStandard(h: Harness): Promise<void> {
  const clients = [
    { id: CLIENTS.rest, name: 'Synnytysosasto', organisation: 'Demo HVA', kind: 'new', sandbox: false },
    {
      id: CLIENTS.existing,
      name: 'Potilastieto',
      organisation: 'Demo HVA',
      kind: 'existing',
      sandbox: false,
    },
    { id: CLIENTS.sandbox, name: 'Testi', organisation: 'Demo HVA', kind: 'new', sandbox: true },
  ];
  for (const c of clients) await h.ops('post', '/ops/clients').send(c).expect(201);
  await h
    .ops('post', '/ops/register/persons')
    .send([
      { personalIdentityCode: PERSONS.mother },
      { personalIdentityCode: PERSONS.mother2 },
      { personalIdentityCode: PERSONS.elderly },
      { personalIdentityCode: PERSONS.deceasedMother, deathDate: '2026-11-01' },
      { personalIdentityCode: PERSONS.sandboxMother },
      { personalIdentityCode: PERSONS.temporary },
    ])
    .expect(200);
}

export function asClient(h: Harness, clientId: string = CLIENTS.rest) {
  return {
    births: (body: unknown) =>
      h.http
        .post('/v1/births')
        .set('X-Road-Client', clientId)
        .send(body as object),
    deaths: (body: unknown) =>
      h.http
        .post('/v1/deaths')
        .set('X-Road-Client', clientId)
        .send(body as object),
    status: (id: string) =>
      h.http.get(`/v1/notifications/${encodeURIComponent(id)}`).set('X-Road-Client', clientId),
  };
}
