import { validationFailed } from '../core/errors';
import {
  inlineValidator,
  openApiDocument,
  schemaValidator,
  structuralErrors,
} from '../rest/openapi-document';

/**
 * The structural checks the operator API makes before the core judges a
 * request (the OpenAPI schemas: required members, types, sizes), so a
 * command refuses exactly what POST /ops/… refuses.
 */
const clientInput = schemaValidator('ClientInput');
const personsBody = inlineValidator(
  (
    openApiDocument.paths['/ops/register/persons'] as {
      post: { requestBody: { content: Record<string, { schema: object }> } };
    }
  ).post.requestBody.content['application/json']?.schema ?? {},
);

export function checkClientInput(body: unknown): void {
  const errors = structuralErrors(clientInput(body) ? [] : clientInput.errors);
  if (errors.length > 0) throw validationFailed(errors);
}

export function checkPersonsBody(body: unknown): void {
  const errors = structuralErrors(personsBody(body) ? [] : personsBody.errors);
  if (errors.length > 0) throw validationFailed(errors);
}
