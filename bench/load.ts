import autocannon from 'autocannon';

/** What a stream sends: the endpoint, its headers, and the one status that counts as success. */
export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  expectedStatus: number;
}

/** One autocannon run against one endpoint. */
export interface LoadRun {
  /** Mean of autocannon's per-second request counts. */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses with the expected status. */
  succeeded: number;
  /** Responses with any other status, by status. */
  unexpected: Record<string, number>;
  /** Connection errors, timeouts included. */
  errors: number;
  durationSec: number;
}

/** `connections` connections for `durationSec` seconds, each request with the next body. */
export async function runLoad(
  url: string,
  request: LoadRequest,
  body: () => string,
  connections: number,
  durationSec: number,
  /** Requests per second offered over all connections (autocannon's overallRate); unset: as fast as answered. */
  rate?: number,
): Promise<LoadRun> {
  const r = await autocannon({
    url: `${url}${request.path}`,
    connections,
    duration: durationSec,
    ...(rate ? { overallRate: rate } : {}),
    method: 'POST',
    headers: request.headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  const unexpected: Record<string, number> = {};
  let succeeded = 0;
  for (const [status, { count }] of Object.entries(r.statusCodeStats ?? {})) {
    if (status === String(request.expectedStatus)) succeeded += count ?? 0;
    else if (count) unexpected[status] = count;
  }
  return {
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    succeeded,
    unexpected,
    errors: r.errors,
    durationSec: r.duration,
  };
}

/** True when anything but the expected status came back, or a connection failed. */
export const runHasErrors = (r: LoadRun): boolean => r.errors > 0 || Object.keys(r.unexpected).length > 0;

/** One request before any load, so a refused request fails the run with its reason. */
export async function preflight(url: string, request: LoadRequest, body: string): Promise<void> {
  const res = await fetch(`${url}${request.path}`, { method: 'POST', headers: request.headers, body });
  const text = await res.text();
  if (res.status !== request.expectedStatus) {
    throw new Error(
      `${request.path}: expected ${request.expectedStatus}, got ${res.status}: ${text.slice(0, 800)}`,
    );
  }
}
