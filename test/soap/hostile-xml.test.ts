import assert from 'node:assert/strict';
import { XML_LIMITS } from '../../src/channels/soap/xml-guard';
import { billionLaughsDoctype, XML_ATTACKS } from '../fixtures/xml-attacks';
import { type Canary, settle, startCanary } from '../helpers/canary';
import { CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';
import { garbageCollector, heapUsedAfterGc } from '../helpers/heap';
import { listen } from '../helpers/listen';
import { assertWellFormed, expectFault, readFault } from '../helpers/soap-faults';
import {
  birthBody,
  birthEnvelope,
  ENDPOINTS,
  type Endpoint,
  envelope,
  LEGACY,
  postSoapRaw,
  SOAP_OPEN,
  SOAP12_NS,
  V2,
  xroadClient,
} from '../helpers/soap-hostile';

const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** An attack document cut into what goes before its root element (declaration, comments, DOCTYPE) and the root. */
function splitPayload(text: string): { prolog: string; root: string; doctype: boolean; refs: string[] } {
  let pos = 0;
  let doctype = false;
  for (;;) {
    while (pos < text.length && /\s/.test(text.charAt(pos))) pos++;
    const rest = text.slice(pos);
    if (rest.startsWith('<?')) pos += rest.indexOf('?>') + 2;
    else if (rest.startsWith('<!--')) pos += rest.indexOf('-->') + 3;
    else if (rest.startsWith('<!DOCTYPE')) {
      doctype = true;
      const open = rest.indexOf('[');
      const gt = rest.indexOf('>');
      if (open >= 0 && open < gt) {
        const close = /\]\s*>/.exec(rest.slice(open)) as RegExpExecArray;
        pos += open + close.index + close[0].length;
      } else pos += gt + 1;
    } else break;
  }
  const root = text.slice(pos).trim();
  const refs = [...root.matchAll(/&([A-Za-z_][\w.-]*);/g)]
    .filter((m) => !PREDEFINED.has(m[1] as string))
    .map((m) => m[0]);
  return { prolog: text.slice(0, pos), root, doctype, refs };
}

/** What must never come back: the contents of local files an external entity could name. */
function assertNothingDisclosed(text: string, where: string): void {
  assert.doesNotMatch(text, /root:.*:0:0:/, `/etc/passwd disclosed (${where})`);
  assert.doesNotMatch(text, /empty-element|BBBBBBBBBB|1234567890|lol/, `entity content echoed (${where})`);
}

describe('SOAP: hostile XML (defusedxml corpus, entity attacks, limits, naughty strings)', () => {
  let h: Harness;
  let canary: Canary;

  before(async () => {
    // Binding port 9 needs root; a test that cannot watch for fetches fails here instead of passing unseen.
    canary = await startCanary(9);
  });
  after(async () => {
    await canary?.close();
  });

  beforeEach(async () => {
    h = await startHarness({ env: SOAP_OPEN });
    await seedStandard(h);
  });

  afterEach(async () => {
    await settle();
    assert.equal(
      canary.connections,
      0,
      `the gateway fetched something: ${canary.connections} connection(s) to 127.0.0.1:9 ${JSON.stringify(canary.received)}`,
    );
  });

  it('sanity: a well-formed birth notification is accepted on both endpoints, so refusals below are the attack’s', async () => {
    for (const [i, ep] of ENDPOINTS.entries()) {
      const res = await postSoapRaw(h, ep.path, birthEnvelope(ep, { IlmoitusTunnus: `sanity-${i}` }));
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /SyntymaIlmoitusResponse/);
    }
  });

  it('refuses every XML attack document wrapped in a SOAP envelope with a Client fault, fetching nothing', async () => {
    assert.ok(XML_ATTACKS.length >= 12, 'the attack documents are there');
    let sent = 0;
    for (const { name: file, text } of XML_ATTACKS) {
      const p = splitPayload(text);
      assert.ok(p.root.startsWith('<'), `${file} has a root element`);
      const id = p.refs.length > 0 ? p.refs.join('') : 'corpus-1';
      const variants: [string, string, (ep: Endpoint) => string][] = [
        // The document as it is, its root element as the Body's request element.
        [
          'prolog and root in Body',
          p.doctype ? 'DTD_FORBIDDEN' : 'MALFORMED_REQUEST',
          (ep) => envelope({ ns: ep.ns, prolog: p.prolog, body: p.root }),
        ],
        // Its root element alone: undefined entities, an unknown request element.
        ['root in Body, no DTD', 'MALFORMED_REQUEST', (ep) => envelope({ ns: ep.ns, body: p.root })],
      ];
      if (p.doctype) {
        // Its DTD before a genuine notification whose IlmoitusTunnus uses the DTD's entities.
        variants.push([
          'DTD and entity in IlmoitusTunnus',
          'DTD_FORBIDDEN',
          (ep) => envelope({ ns: ep.ns, prolog: p.prolog, body: birthBody({ IlmoitusTunnus: id }) }),
        ]);
      }
      if (p.refs.length > 0) {
        variants.push([
          'entity in IlmoitusTunnus, no DTD',
          'MALFORMED_REQUEST',
          (ep) => envelope({ ns: ep.ns, body: birthBody({ IlmoitusTunnus: id }) }),
        ]);
      }
      for (const ep of ENDPOINTS) {
        for (const [variant, code, make] of variants) {
          const where = `${file} (${variant})`;
          const res = await postSoapRaw(h, ep.path, make(ep));
          expectFault(res, ep, 'Client', code, where);
          assertNothingDisclosed(res.text, where);
          sent++;
        }
      }
    }
    assert.ok(sent >= XML_ATTACKS.length * 2 * 2);
    // Nothing was registered on the way.
    const [stored] = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications');
    assert.equal(stored?.n, 0);
  });

  describe('entity attacks', () => {
    const attacks: [string, string, string][] = [
      ['billion laughs', billionLaughsDoctype(), '&lol9;'],
      [
        'XXE on a local file',
        '<?xml version="1.0"?>\n<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
        '&xxe;',
      ],
      [
        'XXE on the canary',
        '<?xml version="1.0"?>\n<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/canary/xxe">]>\n',
        '&xxe;',
      ],
      [
        'external parameter entity',
        '<?xml version="1.0"?>\n<!DOCTYPE soap:Envelope [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/canary/evil.dtd"> %ext;]>\n',
        '&exfil;',
      ],
      [
        'external DTD subset',
        '<?xml version="1.0"?>\n<!DOCTYPE soap:Envelope SYSTEM "http://127.0.0.1:9/canary/external.dtd">\n',
        'synnytys-1',
      ],
      [
        'lower-case doctype',
        '<?xml version="1.0"?>\n<!doctype soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
        '&xxe;',
      ],
    ];
    for (const [name, prolog, id] of attacks) {
      it(`refuses ${name} with DTD_FORBIDDEN on both endpoints, fetching and disclosing nothing`, async () => {
        for (const ep of ENDPOINTS) {
          const res = await postSoapRaw(
            h,
            ep.path,
            envelope({ ns: ep.ns, prolog, body: birthBody({ IlmoitusTunnus: id }) }),
          );
          expectFault(res, ep, 'Client', 'DTD_FORBIDDEN', name);
          assert.ok(!res.text.includes('root:'), `${name}: /etc/passwd is not in the answer`);
          assertNothingDisclosed(res.text, name);
        }
      });
    }

    it('refuses an entity declaration without a DOCTYPE with DTD_FORBIDDEN', async () => {
      for (const ep of ENDPOINTS) {
        const body = `<!ENTITY xxe SYSTEM "file:///etc/passwd">${birthBody({ IlmoitusTunnus: '&xxe;' })}`;
        const res = await postSoapRaw(h, ep.path, envelope({ ns: ep.ns, body }));
        expectFault(res, ep, 'Client', 'DTD_FORBIDDEN');
      }
    });

    it('does not process XInclude or fetch a schemaLocation', async () => {
      for (const ep of ENDPOINTS) {
        const include =
          '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://127.0.0.1:9/canary/xinclude" parse="text"/>';
        const res = await postSoapRaw(h, ep.path, birthEnvelope(ep, { IlmoitusTunnus: include }));
        const fault = expectFault(res, ep, 'Client', 'VALIDATION_FAILED', 'XInclude');
        assert.ok(
          fault.detail.Virheet?.some((v) => v.Kentta === 'IlmoitusTunnus'),
          res.text,
        );

        const located = envelope({
          ns: ep.ns,
          body: birthBody({ IlmoitusTunnus: `located-${ep.path.length}` }),
        }).replace(
          '<soap:Envelope ',
          `<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${ep.ns} http://127.0.0.1:9/canary/schema.xsd" `,
        );
        const ok = await postSoapRaw(h, ep.path, located);
        assert.equal(ok.status, 200, ok.text);
      }
    });
  });

  it('does not grow the heap over 50 rounds of billion laughs, quadratic blowup and 900 kB of garbage', async function () {
    this.timeout(120_000);
    const quadratic = splitPayload(
      (XML_ATTACKS.find((a) => a.name === 'quadratic-blowup') as { text: string }).text,
    );
    // Printable junk without markup, then a mismatched end tag: the parser reads it all before failing.
    let junk = '';
    let seed = 12345;
    const alphabet = 'abcdefghijklmnopqrstuvwxyzÅÄÖåäö0123456789 .,;:-_=+*!?#%()[]{}';
    while (junk.length < 900 * 1024) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      junk += alphabet.charAt(seed % alphabet.length);
    }
    const payloads: [string, string, Buffer][] = [
      [
        'billion laughs',
        'DTD_FORBIDDEN',
        Buffer.from(
          envelope({
            ns: V2.ns,
            prolog: billionLaughsDoctype(),
            body: birthBody({ IlmoitusTunnus: '&lol9;' }),
          }),
        ),
      ],
      [
        'quadratic blowup',
        'DTD_FORBIDDEN',
        Buffer.from(
          envelope({
            ns: V2.ns,
            prolog: quadratic.prolog,
            body: birthBody({ IlmoitusTunnus: quadratic.refs.join('') }),
          }),
        ),
      ],
      [
        '900 kB garbage',
        'MALFORMED_REQUEST',
        Buffer.from(
          envelope({ ns: V2.ns, body: `<ns:SyntymaIlmoitus><ns:IlmoitusTunnus>${junk}</ns:Lapsi>` }),
        ),
      ],
    ];
    assert.ok((payloads[1]?.[2].length ?? 0) > 100_000, 'the quadratic payload is the full file');
    const garbage = payloads[2]?.[2] as Buffer;
    assert.ok(
      garbage.length > 900_000 && garbage.length < h.config.bodyLimitBytes,
      'garbage is under the body limit',
    );

    const gc = garbageCollector();
    // One round first, so that lazily built things (compiled regexes, module state) are not counted.
    for (const [name, code, body] of payloads)
      expectFault(await postSoapRaw(h, V2.path, body), V2, 'Client', code, name);
    const before = await heapUsedAfterGc(gc);
    for (let round = 0; round < 50; round++) {
      for (const [name, code, body] of payloads) {
        const res = await postSoapRaw(h, V2.path, body);
        assert.equal(res.status, 500, name);
        assert.ok(res.text.includes(`soap:Client.${code}`), `${name}: ${res.text.slice(0, 300)}`);
      }
    }
    const after = await heapUsedAfterGc(gc);
    const growthMb = (after - before) / (1024 * 1024);
    assert.ok(growthMb < 64, `heap grew by ${growthMb.toFixed(1)} MB over 150 hostile requests`);
  });

  describe('other hostile envelopes', () => {
    const latin1 = (ep: Endpoint) => {
      const [head, tail] = birthEnvelope(ep, { IlmoitusTunnus: 'SPLIT' }).split('SPLIT') as [string, string];
      return Buffer.concat([Buffer.from(`${head}synnytys-`), Buffer.from([0xe4]), Buffer.from(tail)]);
    };
    const nested = (depth: number) => `${'<ns:x>'.repeat(depth)}${'</ns:x>'.repeat(depth)}`;
    const cases: [string, string, (ep: Endpoint) => string | Buffer, string?][] = [
      [
        'XML that is not well-formed',
        'MALFORMED_REQUEST',
        (ep) => birthEnvelope(ep).replace('</ns:Lapsi>', '</ns:Lapsi></ns:Syntyma>'),
      ],
      [
        'an unclosed envelope',
        'MALFORMED_REQUEST',
        (ep) => birthEnvelope(ep).replace('</soap:Envelope>', ''),
      ],
      ['Latin-1 bytes (0xE4 for ä)', 'MALFORMED_REQUEST', latin1],
      [
        'a UTF-16 body',
        'MALFORMED_REQUEST',
        (ep) => Buffer.from(`\ufeff${birthEnvelope(ep).replace('UTF-8', 'UTF-16')}`, 'utf16le'),
      ],
      ['a bare &', 'MALFORMED_REQUEST', (ep) => birthEnvelope(ep, { IlmoitusTunnus: 'synnytys & kuolema' })],
      [
        'an undefined entity &nbsp;',
        'MALFORMED_REQUEST',
        (ep) => birthEnvelope(ep, { IlmoitusTunnus: 'a&nbsp;b' }),
      ],
      [
        `nesting deeper than ${XML_LIMITS.maxDepth} levels`,
        'MALFORMED_REQUEST',
        (ep) => birthEnvelope(ep, { IlmoitusTunnus: nested(XML_LIMITS.maxDepth + 1) }),
      ],
      [
        `far deeper nesting (${XML_LIMITS.maxDepth * 300} levels)`,
        'MALFORMED_REQUEST',
        (ep) =>
          envelope({
            ns: ep.ns,
            body: `<ns:SyntymaIlmoitus>${nested(XML_LIMITS.maxDepth * 300)}</ns:SyntymaIlmoitus>`,
          }),
      ],
      [
        `more than ${XML_LIMITS.maxElements} elements`,
        'PAYLOAD_TOO_LARGE',
        (ep) => birthEnvelope(ep, { 'Lapsi/Vari': '<ns:v/>'.repeat(XML_LIMITS.maxElements + 1) }),
      ],
      ['an empty body', 'MALFORMED_REQUEST', () => ''],
      ['whitespace only', 'MALFORMED_REQUEST', () => '   \n  '],
      ['a JSON body', 'MALFORMED_REQUEST', () => '{"notificationId":"synnytys-1"}', 'application/json'],
      [
        'a SOAP 1.2 envelope',
        'MALFORMED_REQUEST',
        (ep) => envelope({ ns: ep.ns, envelopeNs: SOAP12_NS, body: birthBody() }),
        'application/soap+xml; charset=utf-8',
      ],
      [
        'an envelope in no namespace',
        'MALFORMED_REQUEST',
        (ep) =>
          birthEnvelope(ep).replace(
            ` xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"`,
            ' xmlns:soap="urn:not-soap"',
          ),
      ],
      [
        'a root element that is not an Envelope',
        'MALFORMED_REQUEST',
        (ep) =>
          `<?xml version="1.0"?>${birthBody().replace('<ns:SyntymaIlmoitus>', `<ns:SyntymaIlmoitus xmlns:ns="${ep.ns}">`)}`,
      ],
      [
        'an Envelope without a Body',
        'MALFORMED_REQUEST',
        (ep) => birthEnvelope(ep).replace(/<soap:Body>.*<\/soap:Body>/s, ''),
      ],
      [
        'two Bodies',
        'MALFORMED_REQUEST',
        (ep) => birthEnvelope(ep).replace('</soap:Envelope>', '<soap:Body/></soap:Envelope>'),
      ],
      [
        'a Body with two elements',
        'MALFORMED_REQUEST',
        (ep) => envelope({ ns: ep.ns, body: birthBody() + birthBody({ IlmoitusTunnus: 'toinen' }) }),
      ],
      ['an empty Body', 'MALFORMED_REQUEST', (ep) => envelope({ ns: ep.ns, body: '' })],
      [
        'an unknown operation',
        'MALFORMED_REQUEST',
        (ep) =>
          envelope({ ns: ep.ns, body: '<ns:Poista><ns:IlmoitusTunnus>x</ns:IlmoitusTunnus></ns:Poista>' }),
      ],
      [
        'an operation in no namespace',
        'MALFORMED_REQUEST',
        (ep) => envelope({ ns: ep.ns, body: birthBody().replaceAll('ns:', '') }),
      ],
      [
        'the other endpoint’s operation namespace',
        'MALFORMED_REQUEST',
        (ep) => envelope({ ns: ep === V2 ? LEGACY.ns : V2.ns, body: birthBody() }),
      ],
    ];
    for (const [name, code, make, contentType] of cases) {
      it(`answers ${name} with soap:Client.${code} as a SOAP envelope`, async () => {
        for (const ep of ENDPOINTS) {
          const res = await postSoapRaw(h, ep.path, make(ep), contentType);
          expectFault(res, ep, 'Client', code, name);
        }
      });
    }

    it('answers a body over BODY_LIMIT_BYTES with soap:Client.PAYLOAD_TOO_LARGE, not HTML or problem+json', async () => {
      for (const ep of ENDPOINTS) {
        const padding = `<!--${'x'.repeat(h.config.bodyLimitBytes)}-->`;
        const res = await postSoapRaw(
          h,
          ep.path,
          birthEnvelope(ep).replace('<soap:Body>', `${padding}<soap:Body>`),
        );
        expectFault(res, ep, 'Client', 'PAYLOAD_TOO_LARGE', 'over the limit');
        assert.doesNotMatch(res.text, /<html|problem\+json/i);
      }
    });

    it('answers an oversized chunked body (no Content-Length) with soap:Client.PAYLOAD_TOO_LARGE', async () => {
      const server = await listen(h.gateway.app);
      try {
        for (const ep of ENDPOINTS) {
          const chunk = Buffer.alloc(64 * 1024, 'x');
          let sent = 0;
          const limit = h.config.bodyLimitBytes * 2;
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent === 0) controller.enqueue(Buffer.from(birthEnvelope(ep).slice(0, 200)));
              if (sent >= limit) controller.close();
              else {
                controller.enqueue(chunk);
                sent += chunk.length;
              }
            },
          });
          const res = await fetch(`${server.url}${ep.path}`, {
            method: 'POST',
            headers: { 'Content-Type': 'text/xml; charset=utf-8' },
            body,
            duplex: 'half',
          } as RequestInit);
          const text = await res.text();
          const fault = readFault(
            {
              status: res.status,
              text,
              headers: { 'content-type': res.headers.get('content-type') },
            } as never,
            ep,
            'chunked',
          );
          assert.equal(`${fault.faultClass}.${fault.code}`, 'Client.PAYLOAD_TOO_LARGE');
        }
      } finally {
        await server.close();
      }
    });
  });

  describe('limits that markup must not talk its way past', () => {
    const deep = (n: number) => `${'<ns:x>'.repeat(n)}${'</ns:x>'.repeat(n)}`;
    // End tags that are not markup (inside a comment, a CDATA section or an attribute value) must not
    // lower the depth count, nor "/>" inside an attribute value end an element.
    const disguises: [string, (n: number) => string][] = [
      ['end tags inside a comment', (n) => `<!--${'</x>'.repeat(n)}-->${deep(n + XML_LIMITS.maxDepth - 8)}`],
      [
        'end tags inside a CDATA section',
        (n) => `<![CDATA[${'</x>'.repeat(n)}]]>${deep(n + XML_LIMITS.maxDepth - 8)}`,
      ],
      [
        'end tags inside a processing instruction',
        (n) => `<?pi ${'</x>'.repeat(n)}?>${deep(n + XML_LIMITS.maxDepth - 8)}`,
      ],
      ['"/>" inside attribute values', (n) => `${'<ns:x a="/>">'.repeat(n)}${'</ns:x>'.repeat(n)}`],
      [
        "'/>' inside single-quoted attribute values",
        (n) => `${"<ns:x a='/>'>".repeat(n)}${'</ns:x>'.repeat(n)}`,
      ],
    ];
    for (const [name, make] of disguises) {
      it(`keeps the nesting limit with ${name}: soap:Client.MALFORMED_REQUEST, never a Server fault`, async () => {
        for (const ep of ENDPOINTS) {
          for (const n of [XML_LIMITS.maxDepth + 8, 3000]) {
            const res = await postSoapRaw(h, ep.path, birthEnvelope(ep, { IlmoitusTunnus: make(n) }));
            expectFault(res, ep, 'Client', 'MALFORMED_REQUEST', `${name}, ${n} levels`);
          }
        }
      });
    }

    it('answers pathological tag soup at once, without blocking the event loop', async function () {
      this.timeout(60_000);
      const fill = (unit: string, bytes: number) => unit.repeat(Math.floor(bytes / unit.length));
      const limit = h.config.bodyLimitBytes - 4096;
      const soups: [string, string][] = [
        ['"<a" repeated (8 kB)', fill('<a', 8 * 1024)],
        ['"<a" repeated (body limit)', fill('<a', limit)],
        ['"< " repeated', fill('< ', limit)],
        ['"<!--" repeated', fill('<!--', limit)],
        ['"<![CDATA[" repeated', fill('<![CDATA[', limit)],
        ['"<?x " repeated', fill('<?x ', limit)],
        ['unterminated attribute values', fill('<a x="', limit)],
        ['"</" repeated', fill('</', limit)],
      ];
      for (const [name, soup] of soups) {
        const started = Date.now();
        const res = await postSoapRaw(h, V2.path, birthEnvelope(V2, { IlmoitusTunnus: soup }));
        const ms = Date.now() - started;
        const fault = readFault(res, V2, name);
        assert.equal(fault.faultClass, 'Client', `${name}: ${fault.code}`);
        // Generous: a linear pass over 1 MB takes milliseconds; the failure mode is minutes.
        assert.ok(ms < 5000, `${name}: answered after ${ms} ms`);
        assert.ok(fault.faultstring.length < 2000, `${name}: the faultstring does not echo the input`);
      }
    });

    const reserved: [string, string][] = [
      ['__proto__', `<__proto__ xmlns="${V2.ns}"><Sukupuoli>1</Sukupuoli></__proto__>`],
      ['constructor', `<constructor xmlns="${V2.ns}">x</constructor>`],
      ['prototype', `<prototype xmlns="${V2.ns}">x</prototype>`],
      ['hasOwnProperty', `<hasOwnProperty xmlns="${V2.ns}">x</hasOwnProperty>`],
      ['ns:__proto__', '<ns:__proto__><ns:Sukupuoli>1</ns:Sukupuoli></ns:__proto__>'],
      ['ns:constructor', '<ns:constructor>x</ns:constructor>'],
      ['ns:toString', '<ns:toString><ns:x>1</ns:x></ns:toString>'],
      ['ns:valueOf', '<ns:valueOf>x</ns:valueOf>'],
    ];
    for (const [name, element] of reserved) {
      it(`reports an element named ${name} as a Client fault (UNKNOWN_FIELD when it reaches the mapping)`, async () => {
        for (const ep of ENDPOINTS) {
          const res = await postSoapRaw(
            h,
            ep.path,
            birthEnvelope(ep, { 'Lapsi/Extra': null }).replace(
              '</ns:Lapsi>',
              `${element.replaceAll(V2.ns, ep.ns)}</ns:Lapsi>`,
            ),
          );
          const fault = readFault(res, ep, name);
          assert.equal(fault.faultClass, 'Client', `${name}: ${fault.code} ${fault.faultstring}`);
          if (fault.code !== 'MALFORMED_REQUEST') {
            assert.equal(fault.code, 'VALIDATION_FAILED', name);
            // fast-xml-parser renames a few unprefixed names (hasOwnProperty → __hasOwnProperty).
            const local = name.replace('ns:', '');
            const errors = fault.detail.Virheet ?? [];
            assert.equal(errors.length, 1, `${name}: ${JSON.stringify(errors)}`);
            assert.match(errors[0]?.Kentta ?? '', new RegExp(`^Lapsi/(__)?${local}$`), name);
            assert.equal(errors[0]?.Koodi, 'UNKNOWN_FIELD', name);
          }
        }
      });
    }

    const illegal: [string, string][] = [
      ['a raw U+0001 in a field', 'synnytys-\u0001'],
      ['a raw NUL in a field', 'synnytys-\u0000'],
      ['a raw U+FFFE in a field', 'synnytys-\uFFFE'],
      ['&#0; in a field', 'synnytys-&#0;'],
      ['&#x1; in a field', 'synnytys-&#x1;'],
      ['&#xFFFF; in a field', 'synnytys-&#xFFFF;'],
      ['&#xD800; in a field', 'synnytys-&#xD800;'],
      ['&#x110000; in a field', 'synnytys-&#x110000;'],
      ['&#99999999; in a field', 'synnytys-&#99999999;'],
    ];
    for (const [name, id] of illegal) {
      it(`refuses ${name} (not an XML 1.0 character) with soap:Client.MALFORMED_REQUEST`, async () => {
        for (const ep of ENDPOINTS) {
          const res = await postSoapRaw(h, ep.path, birthEnvelope(ep, { IlmoitusTunnus: id }));
          expectFault(res, ep, 'Client', 'MALFORMED_REQUEST', name);
        }
      });
    }

    it('never echoes a character XML 1.0 does not allow: a control character in a header or a tag name', async () => {
      for (const ep of ENDPOINTS) {
        const header = `${xroadClient(CLIENTS.existing)}<xrd:issue>a\u0001b</xrd:issue>`;
        const inHeader = await postSoapRaw(
          h,
          ep.path,
          envelope({ ns: ep.ns, headerXml: header, body: birthBody({ IlmoitusTunnus: 'ctrl-1' }) }),
        );
        expectFault(inHeader, ep, 'Client', 'MALFORMED_REQUEST', 'control character in a header');
        const inTag = await postSoapRaw(
          h,
          ep.path,
          birthEnvelope(ep).replace('<ns:Aiti>', '<ns:Ai\u0001ti>'),
        );
        expectFault(inTag, ep, 'Client', 'MALFORMED_REQUEST', 'control character in a tag name');
      }
    });

    it('echoes a Header whose comment or CDATA mentions </soap:Header> as well-formed XML', async () => {
      for (const [i, ep] of ENDPOINTS.entries()) {
        const tricks = [
          `<!-- </soap:Header> -->${xroadClient(CLIENTS.existing)}`,
          `${xroadClient(CLIENTS.existing)}<xrd:issue><![CDATA[</soap:Header>]]></xrd:issue>`,
        ];
        for (const [j, headerXml] of tricks.entries()) {
          const res = await postSoapRaw(
            h,
            ep.path,
            envelope({ ns: ep.ns, headerXml, body: birthBody({ IlmoitusTunnus: `echo-${i}-${j}` }) }),
          );
          assert.equal(res.status, 200, res.text);
          assertWellFormed(res.text, `${ep.path} header ${j}`);
          assert.ok(
            res.text.includes(headerXml),
            `the Header content is echoed byte for byte (${ep.path} header ${j})`,
          );
        }
      }
    });
  });
});
