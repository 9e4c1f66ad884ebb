import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { FieldError } from '../core/errors';
import { PACKAGE_ROOT } from './package-root';

/** The documents in openapi/: the gateway's own REST interface, and the register's it calls (REGISTER_URL). */
export type DocumentName = 'openapi' | 'register';
const schemaId = (doc: DocumentName) => `urn:vtj-gateway:${doc}`;

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
  [k: string]: unknown;
}

/**
 * A document of openapi/, read once: the JSON the build writes beside the
 * compiled code (read in a fraction of the time), or run from source (tsx)
 * the YAML itself, with the parser loaded only then.
 */
function readDocument(doc: DocumentName): OpenApiDocument {
  const built = path.join(__dirname, `${doc}.json`);
  if (existsSync(built)) return JSON.parse(readFileSync(built, 'utf8'));
  const yaml = require('yaml') as typeof import('yaml');
  return yaml.parse(readFileSync(path.join(PACKAGE_ROOT, 'openapi', `${doc}.yaml`), 'utf8'));
}

/** The OpenAPI document: the one source of truth for the REST wire format. */
export const openApiDocument: OpenApiDocument = readDocument('openapi');

/**
 * Validators compiled from a document's component schemas. They are the
 * structural gate of the wire format (required members, types, unknown
 * members, enumerations, sizes); the meaning of values — formats, ranges,
 * dates, check characters — is judged once, by the core, with finer codes.
 *
 * Compiled on first use: a CLI command that needs none starts without them.
 * The documents themselves are checked by the contract tests (Redocly), so
 * Ajv does not check the schemas against the meta-schema again at every start.
 */
const compilers = new Map<DocumentName, Ajv2020>();
function ajv(doc: DocumentName = 'openapi'): Ajv2020 {
  let compiler = compilers.get(doc);
  if (!compiler) {
    compiler = new Ajv2020({
      allErrors: true,
      strict: true,
      allowUnionTypes: true,
      validateFormats: false,
      validateSchema: false,
    });
    const source = doc === 'openapi' ? openApiDocument : readDocument(doc);
    const defs = JSON.parse(
      JSON.stringify(source.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'),
    );
    compiler.addSchema({ $id: schemaId(doc), $defs: defs });
    compilers.set(doc, compiler);
  }
  return compiler;
}

/** A component schema's validator, compiled when first called for. */
export function schemaValidator(name: string, doc: DocumentName = 'openapi'): () => ValidateFunction {
  let v: ValidateFunction | undefined;
  return () => {
    v ??= ajv(doc).getSchema(`${schemaId(doc)}#/$defs/${name}`);
    if (!v) throw new Error(`no schema ${name} in ${doc}.yaml`);
    return v;
  };
}

/** A validator for an inline schema that refers to component schemas (e.g. a request body array), compiled when first called for. */
export function inlineValidator(schema: object): () => ValidateFunction {
  let v: ValidateFunction | undefined;
  return () => {
    v ??= ajv().compile(
      JSON.parse(
        JSON.stringify(schema).replaceAll('#/components/schemas/', `${schemaId('openapi')}#/$defs/`),
      ),
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
  // (A Set, not a search per error: a body with 60,000 unknown keys must not cost 60,000² steps.)
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.field}\n${e.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
