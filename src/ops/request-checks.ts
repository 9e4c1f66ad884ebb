import { validateClientInput } from '../core/clients/client-changes';
import { withCoreFieldErrors } from '../core/errors';
import { validatePersons } from '../core/register/person-loading';
import { inlineValidator, openApiDocument, schemaValidator, structuralCheck } from '../http/openapi';

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

/** The schema's findings together with the core's (a malformed id among them): every bad field at once. */
export function checkClientInput(body: unknown): void {
  const errors = structuralCheck(clientInput, body);
  if (errors.length > 0) throw withCoreFieldErrors(errors, () => validateClientInput(body));
}

export function checkPersonsBody(body: unknown): void {
  const errors = structuralCheck(personsBody, body);
  if (errors.length > 0) throw withCoreFieldErrors(errors, () => validatePersons(body));
}
