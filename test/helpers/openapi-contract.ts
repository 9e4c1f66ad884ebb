import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import { openApiDocument } from '../../src/http/openapi';

// A separate, stricter validator for responses: formats (date-time, date) are checked too.
const ajv = new Ajv2020({ allErrors: true, strict: false, allowUnionTypes: true });
addFormats(ajv);
const ID = 'urn:test:openapi';
ajv.addSchema({
  $id: ID,
  $defs: JSON.parse(
    JSON.stringify(openApiDocument.components.schemas).replaceAll('#/components/schemas/', '#/$defs/'),
  ),
});

type Json = Record<string, unknown>;

function resolve(node: Json): Json {
  const ref = node.$ref as string | undefined;
  if (!ref) return node;
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<Json>((acc, key) => acc[key] as Json, openApiDocument as unknown as Json);
  return resolve(target);
}

/**
 * Asserts that a real response is one the OpenAPI document promises for this
 * operation: the status is listed, the content type matches, and the body
 * validates against the documented schema.
 */
export function assertMatchesOpenApi(res: Response, pathTemplate: string, method: string): void {
  const op = openApiDocument.paths[pathTemplate]?.[method.toLowerCase()] as Json | undefined;
  assert.ok(op, `openapi.yaml has no ${method} ${pathTemplate}`);
  const responses = op.responses as Record<string, Json>;
  const declared = responses[String(res.status)];
  assert.ok(declared, `openapi.yaml does not declare ${res.status} for ${method} ${pathTemplate}`);
  const content = resolve(declared).content as Record<string, { schema: Json }> | undefined;
  if (!content) return;
  const type = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
  const media = content[type];
  assert.ok(media, `${method} ${pathTemplate} ${res.status}: content type ${type} is not documented`);
  const schema = JSON.parse(
    JSON.stringify(media.schema).replaceAll('#/components/schemas/', `${ID}#/$defs/`),
  );
  const validate = ajv.compile(schema);
  assert.ok(validate(res.body), `response does not match openapi.yaml: ${ajv.errorsText(validate.errors)}`);
}
