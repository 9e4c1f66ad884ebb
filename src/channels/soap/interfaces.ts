import type { SoapChannel } from '../../core/clients/client';
import { CHANNEL_PLACES } from '../../http/channel-names';

/**
 * The two SOAP interfaces, as data: everything else — envelope, X-Road
 * headers, element mapping, faults, the WSDL's address and the successor
 * links — is shared and derived from these rows. Their paths are the
 * channels' places (http/channel-names.ts).
 */
export interface SoapInterface {
  channel: SoapChannel;
  /** The body elements' namespace. */
  namespace: string;
  /** Endpoint path; the WSDL is at `${path}?wsdl`. */
  path: string;
  /** The WSDL file in wsdl/. */
  wsdlFile: string;
}

const row = (channel: SoapChannel, namespace: string, wsdlFile: string): SoapInterface => ({
  channel,
  namespace,
  path: CHANNEL_PLACES[channel].path,
  wsdlFile,
});

export const SOAP_INTERFACES: readonly SoapInterface[] = [
  // The new SOAP interface: the old one's messages in a new namespace, until the second cut-off.
  row('soap-v2', 'urn:fi:vtj:ilmoitus:v2', 'soap-v2.wsdl'),
  // The old SOAP interface, kept for existing clients until the first cut-off.
  row('legacy-soap', 'urn:fi:vtj:ilmoitus:legacy', 'legacy-soap.wsdl'),
];
