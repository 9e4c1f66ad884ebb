import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOAP_FAULTS } from '../../src/channels/soap/fault-table';
import { CLI_EXIT, EXIT } from '../../src/cli/errors';
import { ERROR_GUIDE } from '../../src/core/error-guide';
import { ERROR_CATALOGUE, ERROR_CODES, FIELD_ERROR_CODES, RETIRED_CODES } from '../../src/core/errors';
import { openApiDocument } from '../../src/http/openapi';
import { PROBLEMS } from '../../src/http/problems';

/**
 * After fastify's errors.test.js: the catalogue, every channel's table of it
 * (REST problems, SOAP faults, CLI exit codes, the problem-type guide) and the
 * published contracts cannot drift apart.
 */
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('the error catalogue and every channel’s table of it', () => {
  const errorCode = openApiDocument.components.schemas.ErrorCode as { enum: string[]; description: string };

  it('has one entry per code in every table: problems, faults, exit codes, the guide', () => {
    for (const table of [PROBLEMS, SOAP_FAULTS, CLI_EXIT, ERROR_GUIDE]) {
      assert.deepEqual(sorted(Object.keys(table)), sorted(ERROR_CODES));
    }
  });

  it('gives every code an HTTP error status, and a Server fault exactly when the status is 5xx', () => {
    for (const code of ERROR_CODES) {
      const { status } = PROBLEMS[code];
      assert.ok(Number.isInteger(status) && status >= 400 && status < 600, `${code} has no error status`);
      // RATE_LIMITED is 429 yet a Server fault: the message is not at fault, it is accepted in a moment.
      const server = status >= 500 || code === 'RATE_LIMITED';
      assert.equal(SOAP_FAULTS[code].faultClass, server ? 'Server' : 'Client', code);
    }
  });

  it('exits 4 only where running the command again may work, 1 for every other refusal', () => {
    for (const code of ERROR_CODES) {
      const again = ['SERVICE_UNAVAILABLE', 'REGISTER_UNAVAILABLE', 'RATE_LIMITED'].includes(code);
      assert.equal(CLI_EXIT[code], again ? EXIT.unavailable : EXIT.refused, code);
    }
  });

  it('has a title and a message template for every code, each title its own', () => {
    const titles = ERROR_CODES.map((c) => ERROR_CATALOGUE[c].title);
    assert.equal(new Set(titles).size, titles.length, 'two codes share a title');
    for (const code of ERROR_CODES) assert.ok(ERROR_CATALOGUE[code].message.length > 0, code);
  });

  describe('codes once published', () => {
    const published = readFileSync(join(__dirname, 'published-codes.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const inUse = new Set<string>([...ERROR_CODES, ...FIELD_ERROR_CODES]);

    it('are all still in use or retired: none is dropped silently', () => {
      const dropped = published.filter((c) => !inUse.has(c) && !RETIRED_CODES.includes(c));
      assert.deepEqual(dropped, [], 'a published code left the catalogue without being retired');
    });

    it('include every code in use: a new code is recorded as published', () => {
      assert.deepEqual(
        [...inUse].filter((c) => !published.includes(c)),
        [],
        'add new codes to published-codes.txt',
      );
    });

    it('never give a retired code back, for any meaning', () => {
      for (const code of RETIRED_CODES) {
        assert.ok(!inUse.has(code), `${code} was retired and is in use again`);
        assert.ok(published.includes(code), `${code} is retired but was never published`);
      }
    });
  });

  it('lists exactly the catalogue’s codes in openapi.yaml ErrorCode', () => {
    assert.deepEqual(sorted(errorCode.enum), sorted(ERROR_CODES));
  });

  it('documents each code with the status the gateway really uses', () => {
    for (const code of ERROR_CODES) {
      assert.match(
        errorCode.description,
        new RegExp(`\`${code}\` ${PROBLEMS[code].status}\\b`),
        `${code} status undocumented`,
      );
    }
  });

  it('declares every status the REST notification operations can return', () => {
    const births = (openApiDocument.paths['/v1/births'] as { post: { responses: Record<string, unknown> } })
      .post;
    const notOfBirths = [
      'UNAUTHORIZED',
      'CLIENT_ALREADY_EXISTS',
      'CLIENT_NOT_FOUND',
      'EXCEPTION_NOT_FOUND',
      'NOT_FOUND',
      'METHOD_NOT_ALLOWED',
      'NOTIFICATION_NOT_FOUND',
    ];
    for (const code of ERROR_CODES.filter((c) => !notOfBirths.includes(c))) {
      const status = String(PROBLEMS[code].status);
      assert.ok(births.responses[status], `POST /v1/births does not declare ${status} (${code})`);
    }
  });
});
