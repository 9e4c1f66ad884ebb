import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { FieldError } from '../core/errors';
import { PACKAGE_ROOT } from './package-root';

const FILE = path.join(PACKAGE_ROOT, 'openapi', 'openapi.yaml');
/** The same document as JSON, which the build writes beside the compiled code: read in a fraction of the time. */
const BUILT = path.join(__dirname, 'openapi.json');
const SCHEMA_ID = 'urn:vtj-gateway:openapi';

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
  [k: string]: unknown;
}

/** The OpenAPI document: the one source of truth for the REST wire format. Read once. */
export const openApiDocument: OpenApiDocument = existsSync(BUILT)
  ? JSON.parse(readFileSync(BUILT, 'utf8'))
  : // Run from source (tsx): the YAML itself, with the parser loaded only then.
    (require('yaml') as typeof import('yaml')).parse(readFileSync(FILE, 'utf8'));

/**
 * Validators compiled from the document's component schemas. They are the
 * structural gate of the wire format (required members, types, unknown
 * members, enumerations, sizes); the meaning of values — formats, ranges,
 * dates, check characters — is judged once, by the core, with finer codes.
 *
 * Compiled on first use: a CLI command that needs none starts without them.
 * The document itself is checked by the contract tests (Redocly), so Ajv
 * does not check the schemas against the meta-schema again at every start.
 */
let compiler: Ajv2020 | undefined;
function ajv(): Ajv2020 {
  if (!compiler) {
    compiler = new Ajv2020({
      allErrors: true,
      strict: true,
      allowUnionTypes: true,
      validateFormats: false,
      validateSchema: false,
    });
    const defs = JSON.parse(
      JSON.stringify(openApiDocument.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'),
    );
    compiler.addSchema({ $id: SCHEMA_ID, $defs: defs });
  }
  return compiler;
}

/** A component schema's validator, compiled when first called for. */
export function schemaValidator(name: string): () => ValidateFunction {
  let v: ValidateFunction | undefined;
  return () => {
    v ??= ajv().getSchema(`${SCHEMA_ID}#/$defs/${name}`);
    if (!v) throw new Error(`no schema ${name} in openapi.yaml`);
    return v;
  };
}

/** A validator for an inline schema that refers to component schemas (e.g. a request body array), compiled when first called for. */
export function inlineValidator(schema: object): () => ValidateFunction {
  let v: ValidateFunction | undefined;
  return () => {
    v ??= ajv().compile(
      JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', `${SCHEMA_ID}#/$defs/`)),
    );
    return v;
  };
}

/** Runs a validator and gives its structural field errors (none: the body has the right shape). */
export function structuralCheck(validator: () => ValidateFunction, body: unknown): FieldError[] {
  const v = validator();
  return structuralErrors(v(body) ? [] : v.errors);
}

const STRUCTURAL = new Set([
  'required',
  'additionalProperties',
  'type',
  'enum',
  'const',
  'maxLength',
  'maxItems',
]);

/**
 * Field errors for structural violations only; an empty list means the body
 * has the right shape and the core may judge its meaning.
 */
export function structuralErrors(errors: readonly ErrorObject[] | null | undefined): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors ?? []) {
    if (!STRUCTURAL.has(e.keyword)) continue;
    const base = pointerToPath(e.instancePath);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        out.push({ field: join(base, String(p.missingProperty)), code: 'REQUIRED', message: 'is required' });
        break;
      case 'additionalProperties':
        out.push({
          field: join(base, String(p.additionalProperty)),
          code: 'UNKNOWN_FIELD',
          message: 'is not a field of this request',
        });
        break;
      case 'type':
        out.push({
          field: base || '(body)',
          code: 'INVALID_TYPE',
          message: `must be ${article(String(p.type))}`,
        });
        break;
      case 'enum':
        out.push({
          field: base,
          code: 'INVALID_VALUE',
          message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        });
        break;
      default:
        out.push({ field: base || '(body)', code: 'OUT_OF_RANGE', message: e.message ?? 'is too long' });
    }
  }
  // One message per field is enough: a missing object also fails its type check.
  return out.filter((e, i) => out.findIndex((o) => o.field === e.field && o.code === e.code) === i);
}

/** `/child/sex` → `child.sex`; `/3/personalIdentityCode` → `[3].personalIdentityCode`. */
function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

function article(type: string): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}
