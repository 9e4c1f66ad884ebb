import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction } from 'express';
import { DomainError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { everyAnswer } from '../../http/every-answer';
import type { Metrics } from '../../http/metrics';
import { schemaValidator, structuralCheck } from '../../http/openapi';
import { sendProblem } from '../../http/problems';
import { logRequest, requestIdOf, xRoadIdOf } from '../../http/request-log';
import type { Identified, RequestInfo } from '../../pipeline/codec';
import type { RequestPipeline } from '../../pipeline/request-pipeline';
import { restCaller } from './notification-routes';
import { encodeRest } from './rest-codec';

export interface FastLaneDeps {
  pipeline: RequestPipeline;
  tls: { trustedProxyFingerprints: readonly string[] } | undefined;
  bodyLimitBytes: number;
  metrics: Pick<Metrics, 'timer'>;
  logger: Logger;
  lifecycle: { draining: boolean };
}

/** The two hot routes, as they are written in the contract: anything else goes the whole way. */
const ROUTES: Readonly<Record<string, { kind: 'birth' | 'death'; route: string }>> = {
  '/v1/births': { kind: 'birth', route: '/v1/births' },
  '/v1/deaths': { kind: 'death', route: '/v1/deaths' },
};
/** JSON in UTF-8, as clients send it; other declarations (`application/*+json`, a charset) go to express. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$/i;
const DECIMAL = /^[1-9]\d{0,15}$/;
const validators = { birth: schemaValidator('BirthRequest'), death: schemaValidator('DeathRequest') };
const notJson = () => new DomainError('MALFORMED_REQUEST', { reason: 'the body is not valid JSON' });
const cutShort = () =>
  new DomainError('MALFORMED_REQUEST', { reason: 'the body ended before its declared length' });

/**
 * POST /v1/births and /v1/deaths in their plain form (exact path, no query,
 * `Content-Type: application/json`, a Content-Length within the limit, no
 * content coding), answered before express's router: the same steps as the
 * routes in app.ts and notification-routes.ts take (request id, headers,
 * identification, body, the structural check, the pipeline, the REST codec,
 * one log line, the request timer), without the dozen middleware layers and
 * the general body parser in between, which cost about a quarter of the CPU
 * of a registration (BENCHMARKS.md). A request in any other form is passed
 * on untouched and answered by the routes, so every edge case keeps the one
 * implementation it had; test/rest/fast-lane.test.ts holds both to the same
 * answers.
 */
export function restFastLane(deps: FastLaneDeps) {
  return (req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    const target = req.method === 'POST' && req.url !== undefined ? ROUTES[req.url] : undefined;
    const length = plainBodyLength(req, deps.bodyLimitBytes);
    if (!target || length === undefined || deps.lifecycle.draining) {
      next();
      return;
    }
    // Every failure of a request is answered inside; this only keeps a fault of the lane itself from
    // becoming an unhandled rejection: the connection is dropped, never left hanging.
    answer(deps, target, length, req, res).catch((err: unknown) => {
      deps.logger.error({ err: err instanceof Error ? err.name : 'unknown' }, 'rest fast lane failed');
      res.destroy();
    });
  };
}

/** The declared length of a plain JSON body within the limit; undefined for any other request. */
function plainBodyLength(req: IncomingMessage, limit: number): number | undefined {
  const h = req.headers;
  if (h['content-encoding'] !== undefined || h['transfer-encoding'] !== undefined) return undefined;
  const type = h['content-type'];
  const length = h['content-length'];
  if (type === undefined || length === undefined || !PLAIN_JSON.test(type) || !DECIMAL.test(length))
    return undefined;
  const n = Number(length);
  return n <= limit ? n : undefined;
}

async function answer(
  deps: FastLaneDeps,
  target: { kind: 'birth' | 'death'; route: string },
  length: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const timed = deps.metrics.timer('POST');
  const requestId = requestIdOf(req.headers);
  const xRoadId = xRoadIdOf(req.headers);
  res.setHeader('X-Request-Id', requestId);
  everyAnswer(res, deps.lifecycle);
  res.on('finish', () => {
    timed(target.route, res.statusCode);
    logRequest(deps.logger, {
      requestId,
      xRoadId,
      method: 'POST',
      route: target.route,
      status: res.statusCode,
      started,
    });
  });
  let identified: Identified | undefined;
  const caller = restCaller(deps, req, res, target.kind);
  const info: RequestInfo = { method: 'POST', path: target.route, requestId, audit: caller.audit, xRoadId };
  try {
    identified = await caller.identified;
    const body = parseJson(await readBody(req, length));
    const handled = await deps.pipeline.handle(
      identified,
      { operation: target.kind, command: body, fieldErrors: structuralCheck(validators[target.kind], body) },
      info,
    );
    encodeRest(res, handled);
  } catch (err) {
    const failed = deps.pipeline.failed(err, info, identified);
    if (res.headersSent) res.destroy();
    else sendProblem(res, failed.error, failed.correlationId);
  }
}

/** The body, all of its declared length; refused as cut short when the connection ends before. */
function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Gone while the caller was identified: its 'close' has passed, so nothing below would ever settle.
    if (req.destroyed && !req.readableEnded) {
      reject(cutShort());
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    req.once('end', () =>
      received === length ? resolve(Buffer.concat(chunks, received)) : reject(cutShort()),
    );
    req.once('error', () => reject(cutShort()));
    req.once('close', () => {
      if (!req.complete) reject(cutShort());
    });
  });
}

/**
 * As express.json({ strict: true }) parses: UTF-8 with a byte order mark
 * dropped, an object or an array at the top (else not JSON), an empty text
 * as an empty object.
 */
function parseJson(bytes: Buffer): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  const first = /^[ \t\n\r]*([^ \t\n\r]|$)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw notJson();
  try {
    return JSON.parse(text);
  } catch {
    throw notJson();
  }
}
