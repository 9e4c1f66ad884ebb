import assert from 'node:assert/strict';
import type request from 'supertest';
import { ERROR_CATALOGUE } from '../../../src/core/errors';
import { SOAP11_NS } from '../soap-envelope';
import { assertNoLeak, assertWellFormed, parseXml, readFault } from '../soap-faults';
import type { Endpoint } from '../soap-hostile';
import { usingRealPostgres } from '../test-db';

/**
 * What the fuzz properties hold every answer to: never a 5xx on the JSON
 * interfaces nor an INTERNAL fault on SOAP, never a stack trace, a path or an
 * exception's name; a refusal is a coded problem or a SOAP fault exactly as
 * the contract describes it. Each returns a short name of the outcome, for
 * the long run's tally.
 */
const CODES = new Set(Object.keys(ERROR_CATALOGUE));
/** The server-side faults the contract documents for a message that may succeed later. */
const SERVER_FAULTS = new Set([
  'SERVICE_UNAVAILABLE',
  'RATE_LIMITED',
  'REGISTER_UNAVAILABLE',
  'IDENTITY_CODES_EXHAUSTED',
]);

const shown = (res: request.Response) => `${res.status} ${String(res.text).slice(0, 500)}`;

/**
 * A JSON answer (REST, translate, operator API): one of `ok`, or a 4xx problem with a catalogue code. (A
 * refusal is checked for leaks; a success may hold what the caller sent, whatever that looks like.)
 */
export function expectJsonAnswer(res: request.Response, ok: readonly number[], where: string): string {
  assert.ok(res.status < 500, `${where}: a 5xx: ${shown(res)}`);
  if (ok.includes(res.status)) return String(res.status);
  assertNoLeak(res.text ?? '', where);
  assert.ok(res.status >= 400, `${where}: neither ${ok.join('/')} nor a 4xx: ${shown(res)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${where}: ${shown(res)}`);
  const problem = JSON.parse(res.text) as Record<string, unknown>;
  const code = String(problem.code);
  assert.ok(CODES.has(code), `${where}: ${code} is not a code of the catalogue`);
  assert.equal(problem.status, res.status, where);
  assert.equal(problem.type, `/problems/${code}`, where);
  if (code === 'VALIDATION_FAILED') {
    const errors = problem.errors as { field: unknown; code: unknown; message: unknown }[];
    assert.ok(Array.isArray(errors) && errors.length > 0, `${where}: the field errors are listed`);
    for (const e of errors) {
      assert.equal(typeof e.field, 'string', where);
      assert.match(String(e.code), /^[A-Z_]+$/, where);
      assert.ok(typeof e.message === 'string' && e.message.length > 0, where);
    }
  }
  return `${res.status} ${code}`;
}

/**
 * A SOAP answer: a well-formed response envelope (200), or a fault: Client, or one of the documented Server
 * faults. `echoed`, the request's header content, comes back in the answer as the caller wrote it: it is
 * left out of the leak check.
 */
export function expectSoapAnswer(
  response: request.Response,
  ep: Endpoint,
  where: string,
  echoed?: string,
): string {
  const res = echoed
    ? ({ ...response, text: response.text.replace(echoed, '') } as request.Response)
    : response;
  if (res.status !== 200) {
    const fault = readFault(res, ep, where);
    assert.ok(
      fault.faultClass === 'Client' || SERVER_FAULTS.has(fault.code),
      `${where}: soap:${fault.faultClass}.${fault.code}: ${fault.faultstring}`,
    );
    return `fault ${fault.faultClass}.${fault.code}`;
  }
  assert.match(String(res.headers['content-type']), /^text\/xml\b/, where);
  assertNoLeak(res.text, where);
  assertWellFormed(res.text, where);
  const env = parseXml(res.text);
  assert.equal(`${env.ns} ${env.local}`, `${SOAP11_NS} Envelope`, where);
  const parts = env.children.map((c) => `${c.ns === SOAP11_NS ? '' : '?'}${c.local}`).join(',');
  assert.match(parts, /^(Header,)?Body$/, `${where}: the Envelope holds [Header,] Body: ${parts}`);
  const body = env.children.at(-1);
  assert.equal(body?.children.length, 1, where);
  assert.equal(body?.children[0]?.ns, ep.ns, where);
  assert.match(String(body?.children[0]?.local), /Response$/, where);
  return '200';
}

/**
 * A text as it reads back from the store. The embedded PostgreSQL (PGlite) decodes each value with a
 * TextDecoder that drops a leading U+FEFF as a byte-order mark, so a value starting with one reads back
 * without it there; PostgreSQL proper keeps it.
 */
export const asStored = (s: string): string => (usingRealPostgres ? s : s.replace(/^\ufeff/, ''));
