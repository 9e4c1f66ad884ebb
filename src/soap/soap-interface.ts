import type { SoapChannel } from '../core/clients/client';

/**
 * What tells the two SOAP façades apart: nothing but data. Everything else —
 * envelope, X-Road headers, element mapping, faults — is shared (src/soap).
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
