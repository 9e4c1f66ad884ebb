import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { payloadOf } from './soap-xml';

/**
 * XSD validation with libxml2 (xmllint-wasm) against the files in wsdl/: the
 * shared body types are a chameleon schema, so each SOAP namespace gets a
 * wrapper schema that includes them into that namespace, as the WSDLs do.
 */
export const WSDL_DIR = path.join(__dirname, '..', '..', 'wsdl');
const file = (name: string) => ({
  fileName: name,
  contents: readFileSync(path.join(WSDL_DIR, name), 'utf8'),
});

const wrapper = (namespace: string) => ({
  fileName: 'wrapper.xsd',
  contents:
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${namespace}" ` +
    `elementFormDefault="qualified"><xs:include schemaLocation="ilmoitus-types.xsd"/></xs:schema>`,
});

/** Asserts that a standalone XML document is valid against the body types in `namespace`. */
export async function assertValidBodyXml(doc: string, namespace: string, what = 'document'): Promise<void> {
  const result = await validateXML({
    xml: [{ fileName: 'payload.xml', contents: doc }],
    schema: [wrapper(namespace)],
    preload: [file('ilmoitus-types.xsd')],
  });
  assert.ok(
    result.valid,
    `${what} is not valid against wsdl/ilmoitus-types.xsd in ${namespace}:\n` +
      `${result.errors.map((e) => e.rawMessage).join('\n')}\n${doc.slice(0, 3000)}`,
  );
}

/**
 * Asserts that a SOAP message's payload — the Body's child, or a Fault's
 * VirheTiedot — is in `namespace` and valid against the XSD. Returns its local name.
 */
export async function assertValidPayload(envelope: string, namespace: string): Promise<string> {
  const payload = payloadOf(envelope);
  assert.equal(payload.namespace, namespace, `the payload ${payload.localName} is in the wrong namespace`);
  await assertValidBodyXml(payload.standalone, namespace, payload.localName);
  return payload.localName;
}

/** Asserts that standalone X-Road header elements are valid against wsdl/xroad.xsd (one libxml2 run). */
export async function assertValidXRoadHeaders(docs: readonly string[]): Promise<void> {
  const result = await validateXML({
    xml: docs.map((contents, i) => ({ fileName: `header-${i}.xml`, contents })),
    schema: [file('xroad.xsd')],
    preload: [file('identifiers.xsd')],
  });
  assert.ok(result.valid, `not valid X-Road headers:\n${result.errors.map((e) => e.rawMessage).join('\n')}`);
}
