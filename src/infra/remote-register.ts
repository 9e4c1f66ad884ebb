import { ERROR_CATALOGUE } from '../core/errors';
import { parseHetu } from '../core/hetu/hetu';
import type { Notification, RegisterAnswer, RegisterRefusal } from '../core/notifications/notification';
import type { RemoteRegister } from '../core/ports';

const KNOWN = new Set(['registered', 'rejected', 'conflict', 'invalid']);

/** The register answered, but not with an answer: the request was refused as malformed or conflicting. */
export class RegisterRefusedRequest extends Error {
  override name = 'RegisterRefusedRequest';
  /** Sending the same request again would be refused the same way (RemoteRegister's contract). */
  readonly permanent = true;
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`the register refused the request: HTTP ${status} ${code}`);
  }
}

/** The register did not answer in time, or not at all, or failed (5xx). */
export class RegisterUnavailable extends Error {
  override name = 'RegisterUnavailable';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface WireResult {
  key: string | null;
  status: 'registered' | 'rejected' | 'conflict' | 'invalid';
  childCode?: string | null;
  rejection?: Extract<RegisterAnswer, { rejection: unknown }>['rejection'];
  problem?: { code?: unknown; errors?: { field?: unknown }[] };
}

/** Only code-shaped codes and field paths are kept: what the register says is shown to operators. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const FIELD = /^[A-Za-z0-9_.[\]()-]{1,120}$/;

/** One registration the register would not take, in words for the operators (no data of the notification). */
function refusal(r: WireResult): RegisterRefusal {
  const code = typeof r.problem?.code === 'string' && CODE.test(r.problem.code) ? r.problem.code : 'UNKNOWN';
  if (r.status === 'conflict') {
    return {
      refused: `the register refused it (${code}): its key was first given with another notification`,
    };
  }
  const fields = (Array.isArray(r.problem?.errors) ? r.problem.errors : [])
    .map((e) => e?.field)
    .filter((f): f is string => typeof f === 'string' && FIELD.test(f))
    .slice(0, 5);
  return {
    refused: `the register found it invalid (${code})${fields.length > 0 ? `: ${fields.join(', ')}` : ''}`,
  };
}

/**
 * The register service over HTTP/JSON (openapi/register.yaml): one batch per
 * call, `POST {url}/v1/batches`, aborted after `timeoutMs`. Observes each
 * call's duration and outcome for the metrics.
 */
export function httpRegister(opts: {
  url: string;
  timeoutMs: number;
  observe?: (seconds: number, outcome: 'answered' | 'refused' | 'failed') => void;
}): RemoteRegister {
  /** One POST; its results, one per item sent, in order. Throws as the port says. */
  const call = async (
    path: string,
    body: unknown,
    keys: readonly string[],
    /** What each item is, where the answer's shape depends on it (a birth's code; a death has none). */
    kinds?: readonly Notification['kind'][],
  ): Promise<(RegisterAnswer | RegisterRefusal)[]> => {
    const started = performance.now();
    const seen = (outcome: 'answered' | 'refused' | 'failed') =>
      opts.observe?.((performance.now() - started) / 1000, outcome);
    let res: Response;
    let json: unknown;
    try {
      res = await fetch(`${opts.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      json = await res.json().catch(() => undefined);
    } catch (err) {
      seen('failed');
      throw unavailable(err, opts.timeoutMs);
    }
    if (res.status >= 500 || res.status === 429) {
      seen('failed');
      throw new RegisterUnavailable(`the register answered HTTP ${res.status}`, `HTTP_${res.status}`);
    }
    if (res.status !== 200) {
      seen('refused');
      const code = (json as { code?: unknown } | undefined)?.code;
      // Only a code-shaped code is kept: it is shown to operators as the attempt's last error.
      const shown = typeof code === 'string' && CODE.test(code) ? code : 'UNKNOWN';
      throw new RegisterRefusedRequest(res.status, shown);
    }
    const results = (json as { results?: WireResult[] } | undefined)?.results;
    if (
      !Array.isArray(results) ||
      results.length !== keys.length ||
      results.some((r, i) => r?.key !== keys[i] || !wellFormed(r, kinds?.[i]))
    ) {
      seen('failed');
      throw new RegisterUnavailable(
        'the register answered something else than one result per item, in order',
        'BAD_ANSWER',
      );
    }
    seen('answered');
    return results.map((r) => {
      if (r.status === 'conflict' || r.status === 'invalid') return refusal(r);
      return r.status === 'rejected' && r.rejection
        ? { rejection: r.rejection }
        : { childCode: r.childCode ?? null };
    });
  };
  return {
    register: (items) =>
      call(
        '/v1/batches',
        { registrations: items.map((i) => ({ key: i.key, sandbox: i.sandbox, notification: i.content })) },
        items.map((i) => i.key),
        items.map((i) => i.content.kind),
      ),
    async withdraw(keys) {
      const answers = await call('/v1/withdrawals', { keys }, keys);
      if (answers.some((a) => 'refused' in a)) {
        throw new RegisterUnavailable('the register refused a withdrawal', 'BAD_ANSWER');
      }
      return answers as RegisterAnswer[];
    },
  };
}

/**
 * An answer the gateway can record and stand by: a status it knows; a refusal with a code of the
 * catalogue (a client is answered by it); a registered birth with a valid code, a death with none.
 * Anything else is a failed call (retried), never stored.
 */
function wellFormed(r: WireResult | undefined, kind: Notification['kind'] | undefined): boolean {
  if (!r || !KNOWN.has(r.status)) return false;
  if (r.status === 'rejected') {
    const j = r.rejection;
    return (
      typeof j?.code === 'string' &&
      Object.hasOwn(ERROR_CATALOGUE, j.code) &&
      typeof j.message === 'string' &&
      Array.isArray(j.fieldErrors)
    );
  }
  if (r.status !== 'registered' || kind === undefined) return true;
  const code = r.childCode;
  if (kind === 'death') return code === null || code === undefined;
  if (typeof code !== 'string') return false;
  const parsed = parseHetu(code);
  return parsed.ok && code === code.toUpperCase();
}

function unavailable(err: unknown, timeoutMs: number): RegisterUnavailable {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new RegisterUnavailable(`the register did not answer within ${timeoutMs} ms`, 'ETIMEDOUT');
  }
  const code = e.cause?.code ?? 'ENETWORK';
  return new RegisterUnavailable(`the register could not be reached (${code})`, code);
}
