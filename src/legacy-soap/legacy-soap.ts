import type { SoapInterface } from '../soap/soap-interface';

/** The old SOAP interface, kept for existing clients until the first cut-off. */
export const legacySoap: SoapInterface = {
  channel: 'legacy-soap',
  namespace: 'urn:fi:vtj:ilmoitus:legacy',
  path: '/soap/legacy',
  wsdlFile: 'legacy-soap.wsdl',
};
