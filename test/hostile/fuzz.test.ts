import assert from 'node:assert/strict';
import fc from 'fast-check';
import type request from 'supertest';
import { birth, death, hetu } from '../helpers/builders';
import { asStored, expectJsonAnswer, expectSoapAnswer } from '../helpers/fuzz/answers';
import { type JsonMutation, jsonMutation, mutate, render, toNode } from '../helpers/fuzz/json-ast';
import {
  FUZZ_REPORT,
  FUZZ_RUNS,
  FUZZ_SEED,
  fuzzParameters,
  replayHint,
  Tally,
} from '../helpers/fuzz/settings';
import {
  asSentUtf8,
  headerString,
  hostileString,
  percentEdge,
  percentEncodeAll,
} from '../helpers/fuzz/strings';
import {
  bodyElement,
  envelopeDocument,
  headerContent,
  mutateXml,
  renderDocument,
  type XmlDocument,
  type XmlMutation,
  type XmlNode,
  xmlMutation,
  xRoadHeader,
} from '../helpers/fuzz/xml-ast';
import { restClientOracle, soapClientOracle } from '../helpers/fuzz/xroad-oracle';
import {
  CLIENTS,
  type Harness,
  NOW,
  OPS_TOKEN,
  PERSONS,
  seedStandard,
  startHarness,
} from '../helpers/harness';
import { garbageCollector, heapUsedAfterGc } from '../helpers/heap';
import { hasNonXmlChar } from '../helpers/soap-faults';
import {
  BIRTH_FIELDS,
  DEATH_FIELDS,
  ENDPOINTS,
  type Endpoint,
  postSoapRaw,
  SOAP_OPEN,
} from '../helpers/soap-hostile';

/**
 * Property-based fuzzing (fast-check) of every channel with structure-aware
 * hostile input: REST bodies and SOAP envelopes mutated from valid ones, the
 * X-Road identifiers in headers and envelopes, the SOAP→REST translation, and
 * the operator API's bodies, query parameters and path ids. Every answer is a
 * success for valid input, else a coded 4xx problem or a SOAP fault (Client,
 * or a documented Server one): never a 500, an INTERNAL fault or a stack
 * trace; the gateway answers /healthz after each property, and its heap
 * after garbage collection has not grown past a bound at the end.
 *
 * FUZZ_RUNS (default 40) sets the cases per property, FUZZ_SEED (default
 * 20261123) the seed; BENCHMARKS.md has a long run.
 */
describe('fuzzing every channel with hostile input (fast-check)', function () {
  const timeout = 60_000 + FUZZ_RUNS * 1_500;
  this.timeout(timeout);
  let h: Harness;
  const gc = garbageCollector();
  let heapBefore = 0;
  const tallies: [string, Tally][] = [];
  let seq = 0;
  const fresh = (prefix: string) => `${prefix}-${FUZZ_SEED}-${++seq}`;
  /** Persons for the deaths: each dies once, later deaths of theirs are refused (409). */
  const DECEASED = Array.from({ length: 40 }, (_, i) => hetu('010150', '-', 200 + i));

  before(async () => {
    h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
    await h
      .ops('post', '/ops/register/persons')
      .send(DECEASED.map((personalIdentityCode) => ({ personalIdentityCode })));
    // Once through each kind of request first, so that what is built lazily is not counted as growth.
    await h.http
      .post('/v1/births')
      .set('X-Road-Client', CLIENTS.rest)
      .send(birth({}, fresh('warm')));
    await postSoapRaw(h, ENDPOINTS[0]?.path as string, soapDocumentText(ENDPOINTS[0] as Endpoint, 'status'));
    await h.ops('get', '/ops/clients');
    heapBefore = await heapUsedAfterGc(gc);
  });
  afterEach(async () => {
    const alive = await h.http.get('/healthz');
    assert.equal(alive.status, 200, 'the gateway still answers');
    h.logLines.length = 0;
  });
  after(() => {
    if (!FUZZ_REPORT) return;
    for (const [name, tally] of tallies) console.log(`  ${name}: ${tally.cases} cases: ${tally}`);
  });

  /** One property: `run` sends a case and returns the outcome's name for the tally. */
  function property<T>(name: string, arb: fc.Arbitrary<T>, run: (x: T) => Promise<string>, weight = 1) {
    it(name, async () => {
      const tally = new Tally();
      tallies.push([name, tally]);
      try {
        await fc.assert(
          fc.asyncProperty(arb, async (x) => tally.add(await run(x))),
          fuzzParameters<[T]>(name, weight),
        );
      } catch (err) {
        // fast-check's report (seed, path, the shrunk case), and how to meet it again.
        throw new Error(`${(err as Error).message}\n${replayHint('test/hostile/fuzz.test.ts', name)}`, {
          cause: err,
        });
      }
    });
  }

  const mutations = fc.array(jsonMutation, { maxLength: 3 });
  const CONTENT_TYPES = [
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/problem+json',
    'APPLICATION/JSON',
    'application/json;;',
    'text/plain',
  ];
  const postJsonText = (path: string, body: string, contentType: string, client = CLIENTS.rest) =>
    h.http.post(path).set('X-Road-Client', client).set('Content-Type', contentType).send(body);
  /** A birth a day or more before the tests' now, so that valid bodies spread over many days' code series. */
  const bornDaysAgo = (days: number) =>
    new Date(new Date(NOW).getTime() - (days + 1) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  property(
    'REST births mutated from valid ones: 201/202, else a coded 4xx problem',
    fc.record({
      days: fc.integer({ min: 0, max: 300 }),
      mutations,
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
    }),
    async ({ days, mutations: ms, contentType }) => {
      const base = birth(
        {
          child: {
            birthDateTime: bornDaysAgo(days),
            sex: 'female',
            birthWeightGrams: 3480,
            birthLengthCm: 50,
          },
        },
        fresh('fuzz-birth'),
      );
      const res = await postJsonText('/v1/births', render(mutate(toNode(base), ms)), contentType);
      const outcome = expectJsonAnswer(res, [201, 202], describeJson(ms));
      if (ms.length === 0 && contentType === 'application/json') assert.equal(res.status, 201, res.text);
      return outcome;
    },
  );

  property(
    'REST deaths mutated from valid ones: 201/202, else a coded 4xx problem',
    fc.record({ person: fc.constantFrom(...DECEASED), mutations }),
    async ({ person, mutations: ms }) => {
      const base = death({ deceased: { personalIdentityCode: person } }, fresh('fuzz-death'));
      const res = await postJsonText('/v1/deaths', render(mutate(toNode(base), ms)), 'application/json');
      return expectJsonAnswer(res, [201, 202], describeJson(ms));
    },
  );

  /** The X-Road-Client header: the true id in any valid spelling, or mutated part by part. */
  const restClient = CLIENTS.rest.split('/');
  const spelledPart = (part: string) =>
    fc
      .array(fc.constantFrom('plain', 'upper', 'lower'), { minLength: part.length, maxLength: part.length })
      .map((how) =>
        [...part].map((c, i) => (how[i] === 'plain' ? c : percentEncodeAll(c, how[i] === 'upper'))).join(''),
      );
  const clientHeader = fc.oneof(
    fc
      .tuple(...restClient.map(spelledPart), fc.constantFrom('', ' ', '\t'))
      .map(([a, b, c, d, pad]) => `${pad}${[a, b, c, d].join('/')}${pad}`),
    fc
      .array(
        fc.oneof(
          fc.constantFrom(...restClient),
          headerString,
          percentEdge,
          fc.tuple(fc.constantFrom(...restClient), percentEdge).map(([p, e]) => p + e),
        ),
        { minLength: 0, maxLength: 6 },
      )
      .map((parts) => parts.join('/')),
  );

  property(
    'REST X-Road identifiers (X-Road-Client, X-Road-Id, X-Request-Id): identified exactly when the header names the client',
    fc.record({
      client: clientHeader,
      roadId: fc.option(headerString),
      requestId: fc.option(fc.oneof(fc.uuid(), headerString)),
    }),
    async ({ client, roadId, requestId }) => {
      let req = h.http.get('/v1/notifications/fuzz-none').set('X-Road-Client', client);
      if (roadId !== null) req = req.set('X-Road-Id', roadId);
      if (requestId !== null) req = req.set('X-Request-Id', requestId);
      const res = await req;
      const where = JSON.stringify({ client, roadId, requestId });
      const outcome = expectJsonAnswer(res, [], where);
      const named = restClientOracle(client);
      const expected =
        named === CLIENTS.rest
          ? ['404 NOTIFICATION_NOT_FOUND']
          : named === null
            ? ['401 MISSING_CLIENT_IDENTITY']
            : ['401 MISSING_CLIENT_IDENTITY', '403 UNKNOWN_CLIENT'];
      assert.ok(expected.includes(outcome), `${where}: ${outcome}, expected ${expected.join(' or ')}`);
      // The X-Road-Id goes back exactly as sent (without the white space around it), when it is ASCII text.
      const sentId = roadId?.replace(/^[ \t]+|[ \t]+$/g, '') ?? '';
      const echoed = /^[\t\x20-\x7e]+$/.test(sentId) ? sentId : undefined;
      assert.equal(res.headers['x-road-id'], echoed, `${where}: X-Road-Id echoed`);
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
      return outcome;
    },
  );

  /** An endpoint, an operation, and up to three mutations of its valid envelope. */
  const mutatedEnvelopes = fc.record({
    ep: fc.constantFrom(...ENDPOINTS),
    op: fc.constantFrom('birth' as const, 'death' as const, 'status' as const),
    mutations: fc.array(xmlMutation, { maxLength: 3 }),
  });

  property(
    'SOAP envelopes mutated from valid ones, on both interfaces: a response, else a Client (or documented Server) fault',
    mutatedEnvelopes,
    async ({ ep, op, mutations: ms }) => {
      const doc = mutateXml(soapDocument(ep, op), ms);
      const res = await postSoapRaw(h, ep.path, renderDocument(doc));
      const outcome = expectSoapAnswer(res, ep, `${ep.path} ${op} ${describeXml(ms)}`);
      // Valid: answered, or refused for the register's state (a person dies once; no such notification).
      const valid = ['200', 'fault Client.ALREADY_DECEASED', 'fault Client.NOTIFICATION_NOT_FOUND'];
      if (ms.length === 0) assert.ok(valid.includes(outcome), res.text);
      return outcome;
    },
  );

  /** One part of the SOAP client header, and how it is written. */
  const soapPart = (valid: string) =>
    fc.record({
      text: fc.oneof({ weight: 4, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: hostileString }),
      how: fc.oneof(
        { weight: 6, arbitrary: fc.constant('plain') },
        { weight: 1, arbitrary: fc.constantFrom('cdata', 'padded', 'nested', 'missing', 'twice') },
      ),
    });
  const existingParts = CLIENTS.existing.split('/') as [string, string, string, string];

  property(
    'SOAP X-Road header (client parts, xrd:id, xrd:userId): identified exactly when it names the client, echoed unchanged',
    fc.record({
      ep: fc.constantFrom(...ENDPOINTS),
      parts: fc.tuple(...existingParts.map(soapPart)),
      id: fc.oneof(fc.uuid(), hostileString),
      userId: fc.option(fc.oneof(fc.constant(`FI${PERSONS.mother}`), hostileString)),
    }),
    async ({ ep, parts, id, userId }) => {
      const header = xRoadHeader(['', '', '', ''], { id, userId: userId ?? undefined });
      const client = header[0] as XmlNode & { t: 'el' };
      const names = ['xRoadInstance', 'memberClass', 'memberCode', 'subsystemCode'];
      client.kids = parts.flatMap(({ text, how }, i): XmlNode[] => {
        const name = `id:${names[i]}`;
        const el = (kids: XmlNode[]): XmlNode => ({ t: 'el', name, attrs: [], kids });
        if (how === 'missing') return [];
        if (how === 'nested')
          return [el([{ t: 'el', name: 'id:x', attrs: [], kids: [{ t: 'text', v: text }] }])];
        if (how === 'cdata') return [el([{ t: 'cdata', v: text.replaceAll(']]>', ']]]]><![CDATA[>') }])];
        const one = el([{ t: 'text', v: how === 'padded' ? ` \n\t${text} ` : text }]);
        return how === 'twice' ? [one, structuredClone(one)] : [one];
      });
      const doc = envelopeDocument(
        ep.ns,
        header,
        bodyElement('IlmoituksenTila', { IlmoitusTunnus: 'fuzz-none' }),
      );
      const text = renderDocument(doc);
      const res = await postSoapRaw(h, ep.path, text);
      const where = JSON.stringify({ path: ep.path, parts, id, userId });
      const outcome = expectSoapAnswer(res, ep, where, asSentUtf8(headerContent(doc) as string));
      if (Buffer.byteLength(text) > h.config.bodyLimitBytes) {
        assert.equal(outcome, 'fault Client.PAYLOAD_TOO_LARGE', where);
        return outcome;
      }
      const texts = [...parts.filter((p) => p.how !== 'missing').map((p) => p.text), id, userId ?? ''].map(
        asSentUtf8,
      );
      if (texts.some(hasNonXmlChar)) {
        assert.equal(outcome, 'fault Client.MALFORMED_REQUEST', where);
        return outcome;
      }
      const named = soapClientOracle(parts);
      const expected =
        named === CLIENTS.existing
          ? ['fault Client.NOTIFICATION_NOT_FOUND']
          : named === null
            ? ['fault Client.MISSING_CLIENT_IDENTITY']
            : ['fault Client.MISSING_CLIENT_IDENTITY', 'fault Client.UNKNOWN_CLIENT'];
      // The gateway's guard refuses any "&" that is not an entity reference, even where XML allows a bare
      // one: inside a CDATA section. Stricter than XML, but a clear refusal.
      if (parts.some((p) => p.how === 'cdata' && p.text.includes('&')))
        expected.push('fault Client.MALFORMED_REQUEST');
      assert.ok(expected.includes(outcome), `${where}: ${outcome}, expected ${expected.join(' or ')}`);
      if (outcome === 'fault Client.MALFORMED_REQUEST') return outcome;
      // Every request header comes back unchanged, in order.
      const sent = asSentUtf8(headerContent(doc) as string);
      assert.ok(res.text.includes(sent), `${where}: the header is echoed unchanged`);
      return outcome;
    },
  );

  property(
    'the SOAP→REST translation of mutated envelopes: 200 with the REST request, else a coded 4xx problem',
    mutatedEnvelopes,
    async ({ ep, op, mutations: ms }) => {
      const doc = mutateXml(soapDocument(ep, op), ms);
      const res = await h.http
        .post('/v1/migration/translate')
        .set('X-Road-Client', CLIENTS.existing)
        .set('Content-Type', 'text/xml')
        .send(Buffer.from(renderDocument(doc), 'utf8'));
      const outcome = expectJsonAnswer(res, [200], `translate ${ep.path} ${op} ${describeXml(ms)}`);
      if (ms.length === 0) assert.equal(outcome, '200', res.text);
      return outcome;
    },
  );

  property(
    'operator API: new clients mutated from valid ones; what is accepted reads back exactly as sent',
    fc.record({
      idPart: fc.option(hostileString),
      name: fc.option(hostileString),
      organisation: fc.option(hostileString),
      mutations: fc.array(jsonMutation, { maxLength: 2 }),
    }),
    async ({ idPart, name, organisation, mutations: ms }) => {
      const base = {
        id: `FI/GOV/0123456-7/${idPart ?? fresh('fuzz')}`,
        name: name ?? 'Fuzz ward',
        organisation: organisation ?? 'Fuzz wellbeing area',
        kind: 'existing',
        sandbox: false,
      };
      const text = render(mutate(toNode(base), ms));
      const res = await h.ops('post', '/ops/clients').set('Content-Type', 'application/json').send(text);
      const outcome = expectJsonAnswer(res, [201], `${describeJson(ms)} ${text.slice(0, 300)}`);
      if (res.status === 201) {
        const sent = JSON.parse(text) as { id: string; name: string; organisation: string };
        const read = await h.ops('get', `/ops/clients/${encodeURIComponent(sent.id)}`);
        assert.equal(read.status, 200, read.text);
        assert.deepEqual(
          [read.body.id, read.body.name, read.body.organisation],
          [sent.id, asStored(sent.name), asStored(sent.organisation)],
          'stored as sent',
        );
      }
      return outcome;
    },
  );

  property(
    'operator API: exceptions and client changes mutated from valid ones',
    fc.record({
      reason: fc.option(hostileString),
      until: fc.option(
        fc.oneof(
          hostileString,
          fc.constantFrom(
            '2027-02-29',
            '2028-02-29',
            '9999-12-31',
            '0000-01-01',
            '2027-1-1',
            '+275760-09-13',
          ),
        ),
      ),
      patch: fc.boolean(),
      mutations: fc.array(jsonMutation, { maxLength: 2 }),
    }),
    async ({ reason, until, patch, mutations: ms }) => {
      const client = `/ops/clients/${encodeURIComponent(CLIENTS.existing)}`;
      if (patch) {
        const text = render(mutate(toNode({ name: reason ?? 'Potilastieto', sandbox: false }), ms));
        const res = await h.ops('patch', client).set('Content-Type', 'application/json').send(text);
        return `patch ${expectJsonAnswer(res, [200], `${describeJson(ms)} ${text.slice(0, 300)}`)}`;
      }
      const base = {
        channel: 'soap-v2',
        until: until ?? '2027-01-31',
        reason: reason ?? 'Vendor ships REST in spring',
      };
      const text = render(mutate(toNode(base), ms));
      const res = await h
        .ops('post', `${client}/exceptions`)
        .set('Content-Type', 'application/json')
        .send(text);
      const outcome = expectJsonAnswer(res, [201], `${describeJson(ms)} ${text.slice(0, 300)}`);
      if (res.status === 201) {
        // Revoked again, so that the client's exceptions do not pile up over the run.
        const revoked = await h.http
          .delete(`${client}/exceptions/${encodeURIComponent(res.body.id)}`)
          .set('Authorization', `Bearer ${OPS_TOKEN}`);
        assert.equal(revoked.status, 200, revoked.text);
      }
      return outcome;
    },
  );

  /**
   * A query value or path segment: percent-encoded text, or raw escapes at their edges. (Kept short: past
   * 16 kB of request line and headers Node answers 431 itself, before the gateway sees the request.)
   */
  const short = hostileString.map((s) => s.slice(0, 500));
  const urlPart = fc.oneof(
    short.map((s) => percentEncodeAll(s)),
    short.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, 'x'))),
    fc
      .array(
        fc.oneof(percentEdge, fc.constantFrom('a', '2026-12-31', 'ok', 'fix-by', 'overdue', '/', '.', '..')),
        {
          maxLength: 4,
        },
      )
      .map((p) => p.join('')),
  );
  const existing = encodeURIComponent(CLIENTS.existing);

  property(
    'operator API and pages: query parameters (asOf, status, q) and path ids with encoded slashes',
    fc.record({
      route: fc.constantFrom(
        '/ops/clients',
        '/ops/migration',
        '/ops/',
        '/ops/outbox',
        `/ops/clients/${existing}`,
        '/ops/clients/{id}',
        `/ops/clients/${existing}/exceptions/{id}`,
        '/ops/outbox/{id}/{id}/retry',
      ),
      method: fc.constantFrom('get', 'get', 'delete', 'patch', 'post'),
      ids: fc.tuple(urlPart, urlPart),
      query: fc.array(fc.tuple(fc.constantFrom('asOf', 'status', 'q', 'x', 'asOf[]', '__proto__'), urlPart), {
        maxLength: 3,
      }),
      html: fc.boolean(),
    }),
    async ({ route, method, ids, query, html }) => {
      let n = 0;
      const path = route.replaceAll('{id}', () => ids[n++ % 2] as string);
      const url = query.length > 0 ? `${path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
      let req: request.Test = h.http[method](url).set('Authorization', `Bearer ${OPS_TOKEN}`);
      req = req.set('Accept', html ? 'text/html' : 'application/json');
      if (method === 'patch') req = req.send({ name: 'Potilastieto' });
      const res = await req;
      const where = `${method.toUpperCase()} ${url} (${html ? 'html' : 'json'})`;
      if (String(res.headers['content-type']).startsWith('text/html')) {
        assert.ok(res.status < 500, `${where}: ${res.status}`);
        assertNoLeakHtml(res.text, query, where);
        return `html ${res.status}`;
      }
      return expectJsonAnswer(res, [200], where);
    },
  );

  it('leaves the heap where it found it (after garbage collection)', async () => {
    const after = await heapUsedAfterGc(gc);
    const growthMb = (after - heapBefore) / (1024 * 1024);
    assert.ok(growthMb < 64, `the heap grew by ${growthMb.toFixed(1)} MB over the fuzz run`);
  });

  /** A valid SOAP request of the `existing` client, as the mutations' starting point. */
  function soapDocument(ep: Endpoint, op: 'birth' | 'death' | 'status'): XmlDocument {
    const id = fresh(`fuzz-soap-${op}`);
    const body =
      op === 'birth'
        ? bodyElement('SyntymaIlmoitus', { ...(BIRTH_FIELDS as Record<string, string>), IlmoitusTunnus: id })
        : op === 'death'
          ? bodyElement('KuolemaIlmoitus', {
              ...(DEATH_FIELDS as Record<string, string>),
              IlmoitusTunnus: id,
            })
          : bodyElement('IlmoituksenTila', { IlmoitusTunnus: 'synnytys-2026-000123' });
    return envelopeDocument(ep.ns, xRoadHeader(existingParts, {}), body);
  }
  function soapDocumentText(ep: Endpoint, op: 'birth' | 'death' | 'status'): string {
    return renderDocument(soapDocument(ep, op));
  }
});

/** Mutations, shortened for a failure message (a huge value is named by its size). */
function describeJson(ms: readonly JsonMutation[]): string {
  return JSON.stringify(ms, (_k, v) =>
    typeof v === 'string' && v.length > 80 ? `<${v.length} chars>` : v,
  ).slice(0, 600);
}
function describeXml(ms: readonly XmlMutation[]): string {
  return JSON.stringify(ms, (_k, v) =>
    typeof v === 'string' && v.length > 80 ? `<${v.length} chars>` : v,
  ).slice(0, 600);
}

/** An operator page: nothing leaked, and no query value written back unescaped. */
function assertNoLeakHtml(html: string, query: readonly [string, string][], where: string): void {
  assert.doesNotMatch(html, /\.(ts|js):\d+|node_modules|\bTypeError\b/, where);
  for (const [, v] of query) {
    let value: string;
    try {
      value = decodeURIComponent(v).trim();
    } catch {
      continue;
    }
    if (/[<>"]/.test(value) && value.length > 2)
      assert.ok(!html.includes(value), `${where}: ${value} written unescaped`);
  }
}
