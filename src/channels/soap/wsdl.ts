import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../http/package-root';
import type { SoapInterface } from './interfaces';
import { xmlEscape } from './render';

export const WSDL_DIR = path.join(PACKAGE_ROOT, 'wsdl');
/** The one service description of both SOAP interfaces, written for the first row. */
export const WSDL_FILE = 'ilmoitus.wsdl';

/**
 * The WSDL of one interface: wsdl/ilmoitus.wsdl with the row's namespace,
 * definitions name and documentation in place of the file's own. The file
 * states its own values in `<wsdl:definitions name=… targetNamespace=…>`, so
 * nothing here repeats them.
 */
export function serviceDescription(iface: SoapInterface, template = readTemplate()): string {
  const definitions = /<wsdl:definitions\b[^>]*>/.exec(template)?.[0] ?? '';
  const ownNamespace = /\btargetNamespace="([^"]+)"/.exec(definitions)?.[1];
  const ownName = /\bname="([^"]+)"/.exec(definitions)?.[1];
  if (!ownNamespace || !ownName)
    throw new Error(`${WSDL_FILE}: wsdl:definitions needs name and targetNamespace`);
  const documentation =
    `<wsdl:documentation>VTJ birth and death notifications, ${iface.title}\n` +
    `    (namespace ${iface.namespace}, endpoint ${iface.path}). Deprecated: see the\n` +
    '    Deprecation, Sunset and Link headers of its responses; the REST API at /v1 replaces it.</wsdl:documentation>';
  return template
    .replaceAll(`"${ownNamespace}"`, `"${xmlEscape(iface.namespace)}"`)
    .replace(`name="${ownName}"`, `name="${xmlEscape(iface.serviceName)}"`)
    .replace(/<wsdl:documentation>[\s\S]*?<\/wsdl:documentation>/, documentation);
}

function readTemplate(): string {
  return readFileSync(path.join(WSDL_DIR, WSDL_FILE), 'utf8');
}
