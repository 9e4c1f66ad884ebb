import { formatHetu } from '../src/core/hetu/hetu';
import { helsinkiDate } from '../src/core/time/helsinki';

/** What the request streams send: birth notifications, as REST JSON or as a SOAP v2 envelope. */

/** The production client the gateway registers and every stream names. */
export const BENCH_CLIENT_ID = 'FI/GOV/0123456-7/bench';
/** Mothers loaded into each gateway's register for the births to name. */
export const MOTHERS = 5000;
/** Births spread over this many days, so no day's code series (about 2,700 per sex) runs out. */
export const BIRTH_DAYS = 300;

const DAY_MS = 86_400_000;
const FIRST_BIRTH = Date.UTC(1980, 0, 1);
const DAYS_1980_TO_1999 = 7305;

/**
 * Mothers with permanent codes: women born 1980–1999, even individual numbers
 * 002–898, one code per day before the next number is used.
 */
export function motherCodes(count = MOTHERS): string[] {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const date = new Date(FIRST_BIRTH + (i % DAYS_1980_TO_1999) * DAY_MS).toISOString().slice(0, 10);
    const number = 2 + 2 * Math.floor(i / DAYS_1980_TO_1999);
    if (number > 898) throw new RangeError('too many mothers requested');
    codes.push(formatHetu(date, '-', number));
  }
  return codes;
}

/** One birth notification as the REST API takes it. */
export interface BirthNotification {
  notificationId: string;
  child: { birthDateTime: string; sex: 'female' | 'male'; birthWeightGrams: number; birthLengthCm: number };
  birth: { municipalityCode: string; facilityOid: string; liveBorn: boolean };
  mother: { personalIdentityCode: string };
}

/**
 * Endless unique birth notifications: a new notificationId each time (`tag`
 * keeps streams apart), the two sexes alternating, the birth date cycling over
 * the BIRTH_DAYS Helsinki days before `now` (at noon, so never in the future and
 * never near midnight), the mother cycling over `mothers`.
 */
export function birthNotifications(
  mothers: readonly string[],
  now: Date,
  tag: string,
): () => BirthNotification {
  const days = Array.from({ length: BIRTH_DAYS }, (_, d) => {
    const date = helsinkiDate(new Date(now.getTime() - (d + 1) * DAY_MS));
    return `${date}T12:00:00+02:00`;
  });
  let n = 0;
  return () => {
    const i = n++;
    return {
      notificationId: `bench-${tag}-${i}`,
      child: {
        birthDateTime: days[Math.floor(i / 2) % BIRTH_DAYS] as string,
        sex: i % 2 === 0 ? 'female' : 'male',
        birthWeightGrams: 3480,
        birthLengthCm: 50,
      },
      birth: { municipalityCode: '091', facilityOid: '1.2.246.10.1234567.10.1', liveBorn: true },
      mother: { personalIdentityCode: mothers[i % mothers.length] as string },
    };
  };
}

/** A body factory: given the mothers, the moment and a stream tag, an endless supply of request bodies. */
export type Bodies = (mothers: readonly string[], now: Date, tag: string) => () => string;

/** The notifications as REST JSON (the baseline is sent the same bodies). */
export const restBirths: Bodies = (mothers, now, tag) => {
  const next = birthNotifications(mothers, now, tag);
  return () => JSON.stringify(next());
};

/** The same content as SOAP v2 SyntymaIlmoitus envelopes. */
export const soapV2Births: Bodies = (mothers, now, tag) => {
  const next = birthNotifications(mothers, now, tag);
  return () => syntymaIlmoitus(next());
};

const SEX_CODE = { male: '1', female: '2' } as const;
const xmlText = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A SyntymaIlmoitus envelope shaped like wsdl/examples/v2/envelope-SyntymaIlmoitus.xml
 * (X-Road 4.0 headers: client, service, id, userId, issue, protocolVersion),
 * carrying exactly the content of the REST body for the same notification.
 */
export function syntymaIlmoitus(n: BirthNotification, clientId = BENCH_CLIENT_ID): string {
  const [instance, memberClass, memberCode, subsystem] = clientId.split('/').map(xmlText);
  const id = xmlText(n.notificationId);
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:ns="urn:fi:vtj:ilmoitus:v2">
  <soap:Header>
    <xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>${instance}</id:xRoadInstance><id:memberClass>${memberClass}</id:memberClass><id:memberCode>${memberCode}</id:memberCode><id:subsystemCode>${subsystem}</id:subsystemCode></xrd:client>
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
