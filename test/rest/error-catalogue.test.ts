import assert from 'node:assert/strict';
import { ERROR_CATALOGUE, ERROR_CODES } from '../../src/core/errors';
import { openApiDocument } from '../../src/rest/openapi-document';
import { REST_STATUS } from '../../src/rest/problem-map';

// After fastify's errors.test.js: the catalogue, the REST mapping and the published contract cannot drift apart.
describe('error catalogue', () => {
  const errorCode = openApiDocument.components.schemas.ErrorCode as { enum: string[]; description: string };

  it('maps every code to an HTTP status on the REST interface', () => {
    for (const code of ERROR_CODES) {
      const status = REST_STATUS[code];
      assert.ok(Number.isInteger(status) && status >= 400 && status < 600, `${code} has no REST status`);
    }
    assert.deepEqual(Object.keys(REST_STATUS).sort(), [...ERROR_CODES].sort());
  });

  it('lists exactly the catalogue’s codes in openapi.yaml ErrorCode', () => {
    assert.deepEqual([...errorCode.enum].sort(), [...ERROR_CODES].sort());
  });

  it('documents each code with the status the gateway really uses', () => {
    for (const code of ERROR_CODES) {
      assert.match(
        errorCode.description,
        new RegExp(`\`${code}\` ${REST_STATUS[code]}\\b`),
        `${code} status undocumented`,
      );
    }
  });

  it('declares every status the REST notification operations can return', () => {
    const births = (openApiDocument.paths['/v1/births'] as { post: { responses: Record<string, unknown> } })
      .post;
    const notificationCodes = ERROR_CODES.filter(
      (c) =>
        ![
          'UNAUTHORIZED',
          'CLIENT_ALREADY_EXISTS',
          'CLIENT_NOT_FOUND',
          'NOT_FOUND',
          'METHOD_NOT_ALLOWED',
          'NOTIFICATION_NOT_FOUND',
        ].includes(c),
    );
    for (const code of notificationCodes) {
      assert.ok(
        births.responses[String(REST_STATUS[code])],
        `POST /v1/births does not declare ${REST_STATUS[code]} (${code})`,
      );
    }
  });

  it('classifies server-side codes as Server faults and the rest as Client faults', () => {
    for (const code of ERROR_CODES) {
      const expected = REST_STATUS[code] >= 500 ? 'Server' : 'Client';
      assert.equal(ERROR_CATALOGUE[code].fault, expected, code);
    }
  });
});
