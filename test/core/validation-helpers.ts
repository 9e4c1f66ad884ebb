import assert from 'node:assert/strict';
import { type DomainError, isDomainError } from '../../src/core/errors';

export type Json = Record<string, unknown>;

/** Marks a member to delete in `withChanges`. */
export const REMOVE = Symbol('remove');

/** A copy of `base` with dotted paths set (or removed with REMOVE). */
export function withChanges(base: Json, changes: Record<string, unknown>): Json {
  const copy = structuredClone(base);
  for (const [path, value] of Object.entries(changes)) {
    const parts = path.split('.');
    let cur: Json = copy;
    for (const part of parts.slice(0, -1)) {
      const next = cur[part];
      if (typeof next !== 'object' || next === null) {
        throw new Error(`test setup: ${path} has no object at ${part}`);
      }
      cur = next as Json;
    }
    const last = parts[parts.length - 1] as string;
    if (value === REMOVE) Reflect.deleteProperty(cur, last);
    else cur[last] = value;
  }
  return copy;
}

/** Runs `fn`, which must throw a DomainError, and returns it. */
export function domainErrorOf(fn: () => unknown): DomainError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) assert.fail('expected a DomainError, but nothing was thrown');
  if (!isDomainError(thrown)) assert.fail(`expected a DomainError, got ${String(thrown)}`);
  return thrown;
}

/** [field, code] pairs, in the order reported. */
export function fieldCodes(e: DomainError): Array<[string, string]> {
  return e.fieldErrors.map((f) => [f.field, f.code]);
}

/**
 * Error texts end up in logs and responses: none may echo a personal identity
 * code, nor its date-and-number part.
 */
export function assertNoPersonalData(e: DomainError, ...codes: string[]): void {
  const texts = [e.message, ...e.fieldErrors.map((f) => f.message), JSON.stringify(e.details)];
  for (const code of codes) {
    const upper = code.toUpperCase();
    for (const text of texts) {
      for (const part of [upper, upper.slice(0, 6)]) {
        assert.ok(!text.toUpperCase().includes(part), `"${text}" leaks ${part}`);
      }
    }
  }
  for (const f of e.fieldErrors) {
    assert.equal(typeof f.message, 'string');
    assert.ok(f.message.length > 0, `empty message for ${f.field}`);
  }
}

/**
 * `failure` and `assertInvalid` for one validator: the error a bad input gets, and the assertion
 * that it is VALIDATION_FAILED with exactly the given [field, code] pairs and no personal data
 * (the known codes, and whatever code the input gave for `role`) in any text.
 */
export function invalidity<C>(
  validate: (input: unknown, context: C) => unknown,
  defaultContext: C,
  role: string,
  knownCodes: string[],
) {
  const failure = (input: unknown, context: C = defaultContext): DomainError =>
    domainErrorOf(() => validate(input, context));
  const assertInvalid = (input: unknown, expected: Array<[string, string]>, context: C = defaultContext) => {
    const e = failure(input, context);
    assert.equal(e.code, 'VALIDATION_FAILED', e.message);
    assert.deepEqual(fieldCodes(e), expected);
    const given = ((input as Json | null)?.[role] as Json | undefined)?.personalIdentityCode;
    const codes = typeof given === 'string' && given.length >= 6 ? [...knownCodes, given] : knownCodes;
    assertNoPersonalData(e, ...codes);
    return e;
  };
  return { failure, assertInvalid };
}

/** The contract's example notifications (§2), as the core's tests start from them. */
export { CONTRACT_BIRTH, CONTRACT_DEATH } from '../helpers/builders';
