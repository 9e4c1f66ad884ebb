import { type FieldError, type FieldErrorCode, validationFailed } from '../errors';

/** A control character, or half of a surrogate pair standing alone. */
export const NOT_TEXT = /[\p{Cc}\p{Cs}]/u;

/** Collects field errors so a client hears about every bad field at once, not one per round trip. */
export class FieldErrorCollector {
  readonly errors: FieldError[] = [];

  add(field: string, code: FieldErrorCode, message: string): void {
    this.errors.push({ field, code, message });
  }

  has(field: string): boolean {
    return this.errors.some((e) => e.field === field || e.field.startsWith(`${field}.`));
  }

  /** Reads a required string; records REQUIRED / INVALID_TYPE and returns undefined when absent or wrong. */
  string(obj: unknown, path: string, key: string, required = true): string | undefined {
    const v = member(obj, key);
    const field = join(path, key);
    if (v === undefined || v === null || v === '') {
      if (required) this.add(field, 'REQUIRED', 'is required');
      return undefined;
    }
    if (typeof v !== 'string') {
      this.add(field, 'INVALID_TYPE', 'must be a string');
      return undefined;
    }
    return v;
  }

  /**
   * A string an operator writes for people to read (a name, a reason): no control characters — a NUL
   * cannot even be stored, a line break or an escape sequence would garble the operator's table or
   * terminal — and no unpaired surrogate, which is no character at all.
   */
  text(obj: unknown, path: string, key: string, required = true): string | undefined {
    const v = this.string(obj, path, key, required);
    if (v !== undefined && NOT_TEXT.test(v)) {
      this.add(join(path, key), 'INVALID_VALUE', 'must be printable text, without control characters');
      return undefined;
    }
    return v;
  }

  number(obj: unknown, path: string, key: string, required = true): number | undefined {
    const v = member(obj, key);
    const field = join(path, key);
    if (v === undefined || v === null) {
      if (required) this.add(field, 'REQUIRED', 'is required');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(field, 'INVALID_TYPE', 'must be a number');
      return undefined;
    }
    return v;
  }

  integerInRange(obj: unknown, path: string, key: string, min: number, max: number, required = true) {
    const v = this.number(obj, path, key, required);
    if (v === undefined) return undefined;
    const field = join(path, key);
    if (!Number.isInteger(v)) {
      this.add(field, 'INVALID_TYPE', 'must be a whole number');
      return undefined;
    }
    if (v < min || v > max) {
      this.add(field, 'OUT_OF_RANGE', `must be between ${min} and ${max}`);
      return undefined;
    }
    return v;
  }

  boolean(obj: unknown, path: string, key: string): boolean | undefined {
    const v = member(obj, key);
    const field = join(path, key);
    if (v === undefined || v === null) {
      this.add(field, 'REQUIRED', 'is required');
      return undefined;
    }
    if (typeof v !== 'boolean') {
      this.add(field, 'INVALID_TYPE', 'must be true or false');
      return undefined;
    }
    return v;
  }

  /** A required nested object; records REQUIRED / INVALID_TYPE. */
  object(obj: unknown, path: string, key: string, required = true): object | undefined {
    const v = member(obj, key);
    const field = join(path, key);
    if (v === undefined || v === null) {
      if (required) this.add(field, 'REQUIRED', 'is required');
      return undefined;
    }
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.add(field, 'INVALID_TYPE', 'must be an object');
      return undefined;
    }
    return v;
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw validationFailed(this.errors);
  }
}

export function member(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || !Object.hasOwn(obj, key)) return undefined;
  return (obj as Record<string, unknown>)[key];
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
