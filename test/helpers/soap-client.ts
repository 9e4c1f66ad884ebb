import assert from 'node:assert/strict';
import type { Xml } from './soap-xml';

/**
 * strong-soap, a WSDL-driven SOAP client, as a client system would use it:
 * built from the WSDL the running gateway serves, with the X-Road headers added
 * by hand (strong-soap does not fill declared headers from call arguments).
 */

interface StrongSoapClient {
  addSoapHeader(value: string | object, qname?: unknown): number;
  describe(): Xml;
  lastRequest?: string;
  lastResponse?: string;
  lastEndpoint?: string;
  lastResponseHeaders?: Record<string, string | string[] | undefined>;
  [operation: string]: unknown;
}
type Callback = (err: (Error & { root?: Xml }) | null, result: Xml, envelope: string) => void;

const strongSoap = require('strong-soap') as {
  soap: {
    createClient(
      url: string,
      options: object,
      cb: (err: Error | null, client: StrongSoapClient) => void,
    ): void;
  };
};

export interface WsdlCall {
  /** The response wrapper's content as strong-soap reads it, when the call succeeded. */
  result?: Xml;
  /** The Fault as strong-soap reads it, when the gateway answered with one. */
  fault?: Xml;
  request: string;
  response: string;
  endpoint: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface WsdlClient {
  call(op: 'SyntymaIlmoitus' | 'KuolemaIlmoitus' | 'IlmoituksenTila', args: object): Promise<WsdlCall>;
  describe(): Xml;
}

/** A strong-soap client from `wsdlUrl` that sends the X-Road headers of `clientId`. */
export async function wsdlClient(wsdlUrl: string, clientId: string): Promise<WsdlClient> {
  const client = await new Promise<StrongSoapClient>((resolve, reject) =>
    strongSoap.soap.createClient(wsdlUrl, {}, (err, c) => (err ? reject(err) : resolve(c))),
  );
  const [instance, memberClass, memberCode, subsystem] = clientId.split('/');
  const xrd = 'xmlns:xrd="http://x-road.eu/xsd/xroad.xsd"';
  client.addSoapHeader(
    `<xrd:client ${xrd} xmlns:id="http://x-road.eu/xsd/identifiers" id:objectType="SUBSYSTEM">` +
      `<id:xRoadInstance>${instance}</id:xRoadInstance><id:memberClass>${memberClass}</id:memberClass>` +
      `<id:memberCode>${memberCode}</id:memberCode><id:subsystemCode>${subsystem}</id:subsystemCode></xrd:client>`,
  );
  client.addSoapHeader(`<xrd:id ${xrd}>0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a</xrd:id>`);
  client.addSoapHeader(`<xrd:protocolVersion ${xrd}>4.0</xrd:protocolVersion>`);

  return {
    describe: () => client.describe(),
    call: (op, args) =>
      new Promise<WsdlCall>((resolve, reject) => {
        const method = client[op];
        assert.equal(typeof method, 'function', `the WSDL client has no operation ${op}`);
        (method as (args: object, cb: Callback) => void).call(client, args, (err, result) => {
          const fault = err?.root?.Envelope?.Body?.Fault as Xml | undefined;
          if (err && !fault) return reject(err);
          resolve({
            ...(fault ? { fault } : { result }),
            request: String(client.lastRequest),
            response: String(client.lastResponse),
            endpoint: client.lastEndpoint,
            headers: client.lastResponseHeaders ?? {},
          });
        });
      }),
  };
}
