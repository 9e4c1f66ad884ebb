import autocannon from 'autocannon';
import { helsinkiDate } from '../src/core/time/helsinki';
import { BENCH_CLIENT_ID } from './target';

export interface LoadSettings {
  connections: number;
  /** Seconds per measured run. */
  durationSec: number;
  /** Seconds of the single warm-up per target before the rounds. */
  warmupSec: number;
}

/** What a load run sends: the endpoint, its headers, and the one status that counts as success. */
export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  expectedStatus: number;
}

/** REST: POST /v1/births as the production benchmark client; success is 201 Created. */
export const REST_BIRTHS: LoadRequest = {
  path: '/v1/births',
  headers: { 'content-type': 'application/json', 'x-road-client': BENCH_CLIENT_ID },
  expectedStatus: 201,
};

/** One autocannon run against one endpoint (POST /v1/births unless told otherwise). */
export interface LoadRun {
  /** Mean of autocannon's per-second request counts. */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  totalResponses: number;
  /** Responses other than the expected status (201 Created for REST), by status code. */
  unexpected: Record<string, number>;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  durationSec: number;
}

const DAY_MS = 86_400_000;
/** Births spread over this many days, so no day's code series (about 2,700 per sex) runs out. */
export const BIRTH_DAYS = 300;

/** One birth notification as the REST API takes it; the SOAP benchmark renders the same content as XML. */
export interface BirthNotification {
  notificationId: string;
  child: { birthDateTime: string; sex: 'female' | 'male'; birthWeightGrams: number; birthLengthCm: number };
  birth: { municipalityCode: string; facilityOid: string; liveBorn: boolean };
  mother: { personalIdentityCode: string };
}

/**
 * Endless unique birth notifications: new notificationId each time, the two
 * sexes alternating, the birth date cycling over the BIRTH_DAYS Helsinki days
 * before today (at noon, so never in the future and never near midnight), the
 * mother cycling over the loaded ones.
 */
export function birthNotifications(
  mothers: readonly string[],
  now: Date,
  tag: string,
): () => BirthNotification {
  const days = Array.from({ length: BIRTH_DAYS }, (_, d) => {
    const date = helsinkiDate(new Date(now.getTime() - (d + 1) * DAY_MS));
    return `${date}T12:00:00+02:00`;
  });
  let n = 0;
  return () => {
    const i = n++;
    return {
      notificationId: `bench-${tag}-${i}`,
      child: {
        birthDateTime: days[Math.floor(i / 2) % BIRTH_DAYS] as string,
        sex: i % 2 === 0 ? 'female' : 'male',
        birthWeightGrams: 3480,
        birthLengthCm: 50,
      },
      birth: { municipalityCode: '091', facilityOid: '1.2.246.10.1234567.10.1', liveBorn: true },
      mother: { personalIdentityCode: mothers[i % mothers.length] as string },
    };
  };
}

/** The notifications above as JSON request bodies. The baseline is sent the same bodies. */
export function birthBodies(mothers: readonly string[], now: Date, tag: string): () => string {
  const next = birthNotifications(mothers, now, tag);
  return () => JSON.stringify(next());
}

function unexpectedStatuses(result: autocannon.Result, expected: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    if (status !== String(expected) && count) out[status] = count;
  }
  return out;
}

function responses(result: autocannon.Result): number {
  return Object.values(result.statusCodeStats ?? {}).reduce((sum, s) => sum + (s.count ?? 0), 0);
}

/** One run of `connections` connections for `durationSec` seconds against the request's endpoint. */
export async function runLoad(
  url: string,
  body: () => string,
  connections: number,
  durationSec: number,
  request: LoadRequest = REST_BIRTHS,
): Promise<LoadRun> {
  const r = await autocannon({
    url: `${url}${request.path}`,
    connections,
    duration: durationSec,
    method: 'POST',
    headers: request.headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  return {
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    totalResponses: responses(r),
    unexpected: unexpectedStatuses(r, request.expectedStatus),
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationSec: r.duration,
  };
}

/** True when anything but the expected status came back, or a connection failed. */
export function runHasErrors(r: LoadRun): boolean {
  return r.errors > 0 || Object.keys(r.unexpected).length > 0;
}
