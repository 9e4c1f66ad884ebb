import type { SoapChannel } from '../../core/clients/client';
import { CHANNEL_PLACES } from '../../http/channel-names';

/**
 * The two SOAP interfaces, as data: everything else — envelope, X-Road
 * headers, element mapping, faults, the WSDL (wsdl/ilmoitus.wsdl, derived per
 * row in wsdl.ts) and the successor links — is shared and derived from these
 * rows. Their paths are the channels' places (http/channel-names.ts).
 */
export interface SoapInterface {
  channel: SoapChannel;
  /** The body elements' namespace, the WSDL's target namespace. */
  namespace: string;
  /** Endpoint path; the WSDL is at `${path}?wsdl`. */
  path: string;
  /** The WSDL definitions' name. */
  serviceName: string;
  /** How the WSDL's documentation names the interface. */
  title: string;
}

const row = (channel: SoapChannel, namespace: string, serviceName: string, title: string): SoapInterface => ({
  channel,
  namespace,
  path: CHANNEL_PLACES[channel].path,
  serviceName,
  title,
});

export const SOAP_INTERFACES: readonly SoapInterface[] = [
  // The new SOAP interface: the old one's messages in a new namespace, until the second cut-off.
  row('soap-v2', 'urn:fi:vtj:ilmoitus:v2', 'VtjIlmoitusV2', 'SOAP interface v2'),
  // The old SOAP interface, kept for existing clients until the first cut-off.
  row('legacy-soap', 'urn:fi:vtj:ilmoitus:legacy', 'VtjIlmoitusLegacy', 'legacy SOAP interface'),
];
