import type { SoapInterface } from '../soap/soap-interface';

/** The new SOAP interface: the old one's messages in a new namespace, until the second cut-off. */
export const soapV2: SoapInterface = {
  channel: 'soap-v2',
  namespace: 'urn:fi:vtj:ilmoitus:v2',
  path: '/soap/v2',
  wsdlFile: 'soap-v2.wsdl',
};
