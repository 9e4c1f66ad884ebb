import { DomainError, ERROR_CATALOGUE, type ErrorCode, type FieldError } from '../../core/errors';

/** One item's answer, as the batch endpoint gives it (BatchItemResult in openapi.yaml). */
export interface ItemAnswer {
  index: number;
  status: number;
  replayed?: boolean;
  problem?: { code: string; detail?: string; [k: string]: unknown };
  result?: unknown;
}

/** The gateway could not be reached, or kept saying "not now", for longer than the replay waits. */
export class GatewayUnavailable extends Error {
  override readonly name = 'GatewayUnavailable';
}

/** "Not now": an item, or the whole request, to be sent again after a pause. */
const AGAIN = new Set(['SERVICE_UNAVAILABLE', 'REGISTER_UNAVAILABLE', 'RATE_LIMITED']);

export interface Target {
  /** The gateway's base URL, without a trailing slash. */
  url: string;
  /** The X-Road-Client header's value (each part percent-encoded). */
  client: string;
  /** How long to keep trying through an outage before giving up. */
  retryForMs: number;
}

/**
 * Sends items (each as its JSON text) as one application/json batch and returns an answer per item,
 * in order. Whatever says "not now" — the connection, a 503 or 429 of the
 * whole request, or of single items — is sent again after a pause (the
 * server's Retry-After, else doubling from half a second), for up to
 * `retryForMs`; sending again is harmless, the items' notificationIds make a
 * repeat a replay. A refusal of the request itself (identity, size) throws
 * its coded error.
 */
export async function sendItems(target: Target, items: readonly string[]): Promise<ItemAnswer[]> {
  const answers: (ItemAnswer | undefined)[] = new Array(items.length);
  let waiting = items.map((_, i) => i);
  let failingSince: number | undefined;
  let attempt = 0;
  for (;;) {
    let retryAfter: number | undefined;
    let why = '';
    try {
      const res = await fetch(`${target.url}/v1/batches`, {
        method: 'POST',
        // Only the refusals in full: a registered item's status is all the replay counts.
        headers: {
          'Content-Type': 'application/json',
          'X-Road-Client': target.client,
          Prefer: 'return=minimal',
        },
        body: `{"items":[${waiting.map((i) => items[i]).join(',')}]}`,
      });
      const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
      if (res.status === 413) return await inHalves(target, items, waiting, answers, body);
      if (res.status === 200 && Array.isArray(body?.results)) {
        const again: number[] = [];
        let code: string | undefined;
        (body.results as ItemAnswer[]).forEach((answer, k) => {
          const i = waiting[k] as number;
          if (answer.problem && AGAIN.has(answer.problem.code)) {
            again.push(i);
            code ??= answer.problem.code;
          } else answers[i] = { ...answer, index: i };
        });
        if (again.length === 0) return answers as ItemAnswer[];
        waiting = again;
        why = `${again.length} items were not taken now (${code})`;
      } else if (body && typeof body.code === 'string' && AGAIN.has(body.code)) {
        retryAfter = Number(res.headers.get('retry-after')) || undefined;
        why = `the gateway answered ${res.status} ${body.code}`;
      } else {
        throw refusal(res.status, body);
      }
    } catch (err) {
      if (err instanceof DomainError || err instanceof NotAGateway) throw err;
      why = `no answer from ${target.url} (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message})`;
    }
    failingSince ??= Date.now();
    if (Date.now() - failingSince > target.retryForMs) {
      throw new GatewayUnavailable(
        `${why}, for ${Math.round((Date.now() - failingSince) / 1000)} s; nothing is lost: run the same command again to go on`,
      );
    }
    const pause = retryAfter !== undefined ? retryAfter * 1000 : Math.min(10_000, 500 * 2 ** attempt++);
    await new Promise((resolve) => setTimeout(resolve, pause * (0.8 + Math.random() * 0.4)));
  }
}

/**
 * Items too large together for the gateway's body limit (413): each half is sent on its own, down to a
 * single item, which then is refused by itself (PAYLOAD_TOO_LARGE), to be corrected like any refusal.
 */
async function inHalves(
  target: Target,
  items: readonly string[],
  waiting: readonly number[],
  answers: (ItemAnswer | undefined)[],
  body: Record<string, unknown> | undefined,
): Promise<ItemAnswer[]> {
  if (waiting.length === 1) {
    const i = waiting[0] as number;
    const detail = typeof body?.detail === 'string' ? body.detail : ERROR_CATALOGUE.PAYLOAD_TOO_LARGE.title;
    answers[i] = { index: i, status: 413, problem: { code: 'PAYLOAD_TOO_LARGE', detail } };
  } else {
    const half = Math.ceil(waiting.length / 2);
    for (const part of [waiting.slice(0, half), waiting.slice(half)]) {
      const got = await sendItems(
        target,
        part.map((i) => items[i] as string),
      );
      got.forEach((answer, k) => {
        const i = part[k] as number;
        answers[i] = { ...answer, index: i };
      });
    }
  }
  return answers as ItemAnswer[];
}

/** The whole request refused: its problem as the coded error the CLI reports (its exit code from CLI_EXIT). */
function refusal(status: number, body: Record<string, unknown> | undefined): Error {
  const code = body?.code;
  if (typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code)) {
    return DomainError.restored(
      code as ErrorCode,
      typeof body?.detail === 'string' ? body.detail : ERROR_CATALOGUE[code as ErrorCode].title,
      Array.isArray(body?.errors) ? (body.errors as FieldError[]) : [],
    );
  }
  return new NotAGateway(`${status} without a problem document: is it a VTJ gateway?`);
}

class NotAGateway extends Error {}
