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
