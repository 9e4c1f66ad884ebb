import { type BirthNotification, birthNotifications, type LoadRequest } from './load';
import { BENCH_CLIENT_ID } from './target';

/** SOAP v2: POST /soap/v2 with SOAPAction "" (SOAP 1.1); success is 200 with the response envelope. */
export const SOAP_V2_BIRTHS: LoadRequest = {
  path: '/soap/v2',
  headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
  expectedStatus: 200,
};

const SEX_CODE = { male: '1', female: '2' } as const;
const xmlText = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The X-Road client header's parts, from the same identifier the REST runs send in X-Road-Client. */
function clientElements(clientId: string): string {
  const [instance, memberClass, memberCode, subsystem] = clientId.split('/') as [
    string,
    string,
    string,
    string,
  ];
  return (
    `<id:xRoadInstance>${xmlText(instance)}</id:xRoadInstance>` +
    `<id:memberClass>${xmlText(memberClass)}</id:memberClass>` +
    `<id:memberCode>${xmlText(memberCode)}</id:memberCode>` +
    `<id:subsystemCode>${xmlText(subsystem)}</id:subsystemCode>`
  );
}

/**
 * A SyntymaIlmoitus envelope shaped like wsdl/examples/v2/envelope-SyntymaIlmoitus.xml
 * (X-Road 4.0 headers: client, service, id, userId, issue, protocolVersion),
 * carrying exactly the content of the REST body for the same notification.
 */
export function syntymaIlmoitus(n: BirthNotification, clientId: string = BENCH_CLIENT_ID): string {
  const id = xmlText(n.notificationId);
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:ns="urn:fi:vtj:ilmoitus:v2">
  <soap:Header>
    <xrd:client id:objectType="SUBSYSTEM">${clientElements(clientId)}</xrd:client>
    <xrd:service id:objectType="SERVICE"><id:xRoadInstance>FI</id:xRoadInstance><id:memberClass>GOV</id:memberClass><id:memberCode>0245437-2</id:memberCode><id:subsystemCode>VTJyllapito</id:subsystemCode><id:serviceCode>SyntymaIlmoitus</id:serviceCode><id:serviceVersion>v2</id:serviceVersion></xrd:service>
    <xrd:id>${id}</xrd:id>
    <xrd:userId>FI131052-308T</xrd:userId>
    <xrd:issue>${id}</xrd:issue>
    <xrd:protocolVersion>4.0</xrd:protocolVersion>
  </soap:Header>
  <soap:Body>
    <ns:SyntymaIlmoitus>
      <ns:IlmoitusTunnus>${id}</ns:IlmoitusTunnus>
      <ns:Lapsi>
        <ns:SyntymaAika>${xmlText(n.child.birthDateTime)}</ns:SyntymaAika>
        <ns:Sukupuoli>${SEX_CODE[n.child.sex]}</ns:Sukupuoli>
        <ns:Syntymapaino>${n.child.birthWeightGrams}</ns:Syntymapaino>
        <ns:Syntymapituus>${n.child.birthLengthCm}</ns:Syntymapituus>
      </ns:Lapsi>
      <ns:Syntyma>
        <ns:SyntymaKunta>${xmlText(n.birth.municipalityCode)}</ns:SyntymaKunta>
        <ns:SyntymaPaikkaOid>${xmlText(n.birth.facilityOid)}</ns:SyntymaPaikkaOid>
        <ns:ElavanaSyntynyt>${n.birth.liveBorn}</ns:ElavanaSyntynyt>
      </ns:Syntyma>
      <ns:Aiti>
        <ns:Henkilotunnus>${xmlText(n.mother.personalIdentityCode)}</ns:Henkilotunnus>
      </ns:Aiti>
    </ns:SyntymaIlmoitus>
  </soap:Body>
</soap:Envelope>
`;
}

/** Endless unique SOAP v2 birth notifications: the REST stream's content (see birthNotifications) as XML. */
export function soapBirthBodies(mothers: readonly string[], now: Date, tag: string): () => string {
  const next = birthNotifications(mothers, now, tag);
  return () => syntymaIlmoitus(next());
}
