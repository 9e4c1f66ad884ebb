import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { validateXML } from 'xmllint-wasm';
import { parse } from 'yaml';
import { SOAP_INTERFACES } from '../../src/channels/soap/interfaces';
import { serviceDescription } from '../../src/channels/soap/wsdl';

/**
 * The contracts clients code against, checked as documents: the OpenAPI file
 * by Redocly's linter (pinned, recommended rules, redocly.yaml), the WSDLs
 * and schemas by libxml2 (xmllint-wasm). That the running service matches
 * them is the other tests' business.
 */
const ROOT = path.join(__dirname, '..', '..');
const WSDL = path.join(ROOT, 'wsdl');
const read = (file: string) => ({ fileName: path.basename(file), contents: readFileSync(file, 'utf8') });
const XSDS = readdirSync(WSDL).filter((f) => f.endsWith('.xsd'));
// The WSDLs as the gateway serves them: wsdl/ilmoitus.wsdl derived for each SOAP interface.
const WSDLS = SOAP_INTERFACES.map((iface) => ({
  fileName: `${iface.channel}.wsdl`,
  contents: serviceDescription(iface),
}));

/** Schema errors reject (the schema did not compile); instance errors come back as the result's errors. */
async function instanceErrors(
  xml: { fileName: string; contents: string },
  schema: string,
): Promise<string[]> {
  const wrapper = { fileName: 'probe-schema.xsd', contents: schema };
  const result = await validateXML({
    xml: [xml],
    schema: [wrapper],
    preload: XSDS.map((f) => read(path.join(WSDL, f))),
  });
  return result.errors.map((e) => e.rawMessage);
}
const NO_DECLARATION = /No matching global declaration available for the validation root/;

describe('the contracts as documents', () => {
  for (const doc of ['openapi/openapi.yaml', 'openapi/register.yaml']) {
    it(`${doc} passes \`redocly lint\` with no error and no warning`, async function () {
      this.timeout(60_000);
      const bin = path.join(ROOT, 'node_modules', '.bin', 'redocly');
      const { stdout, stderr } = await promisify(execFile)(bin, ['lint', doc, '--format', 'summary'], {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      }).catch((err: { stdout: string; stderr: string }) =>
        assert.fail(`redocly lint failed:\n${err.stdout}\n${err.stderr}`),
      );
      assert.match(`${stdout}${stderr}`, /Your API description is valid/);
      assert.doesNotMatch(`${stdout}${stderr}`, /You have \d+ warnings?|^(error|warning) /m);
    });
  }

  it('declares on every operation who may call it (`security`, empty for the public ones)', () => {
    const doc = parse(readFileSync(path.join(ROOT, 'openapi', 'openapi.yaml'), 'utf8')) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const methods = ['get', 'put', 'post', 'delete', 'patch'];
    const missing = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.entries(item)
        .filter(([m, op]) => methods.includes(m) && !Array.isArray(op.security))
        .map(([m]) => `${m.toUpperCase()} ${p}`),
    );
    assert.deepEqual(missing, []);
  });

  it('has well-formed WSDLs, XSDs and examples (libxml2)', async () => {
    const files = [
      ...XSDS,
      ...readdirSync(path.join(WSDL, 'examples'), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.xml'))
        .map((f) => path.join('examples', f)),
    ];
    assert.ok(files.length > 20);
    // One libxml2 run for all: against an empty schema, a well-formed document has exactly one complaint,
    // that its root is undeclared; anything else is a parser error.
    const result = await validateXML({
      xml: [
        ...files.map((f) => ({ fileName: f, contents: readFileSync(path.join(WSDL, f), 'utf8') })),
        ...WSDLS,
      ],
      schema: [
        { fileName: 'empty.xsd', contents: '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>' },
      ],
    });
    const messages = result.errors.map((e) => e.rawMessage);
    // (libxml2 adds a summary line, "<file> fails to validate", for each.)
    const complaints = messages.filter((m) => !/ fails to validate$/.test(m));
    assert.deepEqual(
      complaints.filter((m) => !NO_DECLARATION.test(m)),
      [],
    );
    for (const f of files) {
      assert.equal(complaints.filter((m) => m.startsWith(`${f}:`)).length, 1, `${f}: ${messages.join('\n')}`);
    }
  });

  it('has XSDs that compile (xroad.xsd, identifiers.xsd, and the body types in each SOAP namespace)', async () => {
    const ns = ['urn:fi:vtj:ilmoitus:v2', 'urn:fi:vtj:ilmoitus:legacy'];
    const probe = { fileName: 'probe.xml', contents: '<probe/>' };
    for (const schema of [
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="http://x-road.eu/xsd/xroad.xsd" schemaLocation="xroad.xsd"/></xs:schema>',
      ...ns.map(
        (n) =>
          `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${n}" elementFormDefault="qualified"><xs:include schemaLocation="ilmoitus-types.xsd"/></xs:schema>`,
      ),
    ]) {
      // Resolves only if libxml2 compiled the schema; a schema error rejects.
      const errors = await instanceErrors(probe, schema);
      assert.match(errors.join('\n'), NO_DECLARATION);
    }
  });

  for (const { fileName: file, contents: text } of WSDLS) {
    it(`${file}: its types compile and every message part names an element they declare`, async () => {
      const types = /<wsdl:types>\s*([\s\S]*?)\s*<\/wsdl:types>/.exec(text)?.[1];
      assert.ok(types, 'the WSDL has types');
      const targetNamespace = /<wsdl:definitions[^>]*\btargetNamespace="([^"]+)"/.exec(text)?.[1];
      const schema = types.replace('<xs:schema ', '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" ');
      const parts = [...text.matchAll(/<wsdl:part\b[^>]*\belement="tns:(\w+)"/g)].map((m) => m[1] as string);
      const headers = [...text.matchAll(/<wsdl:part\b[^>]*\belement="xrd:(\w+)"/g)].map(
        (m) => m[1] as string,
      );
      assert.ok(parts.length >= 6, 'six body messages');
      for (const element of parts) {
        const errors = await instanceErrors(
          { fileName: 'probe.xml', contents: `<tns:${element} xmlns:tns="${targetNamespace}"/>` },
          schema,
        );
        assert.ok(!errors.some((e) => NO_DECLARATION.test(e)), `${file}: tns:${element} is declared`);
      }
      for (const element of headers) {
        const errors = await instanceErrors(
          { fileName: 'probe.xml', contents: `<xrd:${element} xmlns:xrd="http://x-road.eu/xsd/xroad.xsd"/>` },
          schema,
        );
        assert.ok(!errors.some((e) => NO_DECLARATION.test(e)), `${file}: xrd:${element} is declared`);
      }
    });
  }
});
