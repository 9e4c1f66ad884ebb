import { notificationResult } from '../src/channels/rest/render';
import { parseEnvelope, type SoapRequest } from '../src/channels/soap/envelope';
import { toCommand } from '../src/channels/soap/fields';
import { responseEnvelope } from '../src/channels/soap/render';
import { guardXml } from '../src/channels/soap/xml-guard';
import type { StoredNotification } from '../src/core/notifications/notification';
import { schemaValidator } from '../src/http/openapi';
import { birthBodies } from './load';
import { median } from './measured';
import { soapBirthBodies } from './soap-load';
import { BENCH_CLIENT_ID } from './target';

/** Microseconds per call of each step a façade does on the event loop, besides the shared core. */
export interface FacadeCost {
  soap: { guardXml: number; parseEnvelope: number; toCommand: number; responseEnvelope: number };
  rest: { jsonParse: number; schemaValidate: number; jsonResponse: number };
  /** Request body sizes in bytes. */
  bodyBytes: { soap: number; rest: number };
}

const BODIES = 500;
const BATCH = 250;
const BATCHES = 9;

type Step = (i: number) => unknown;

/**
 * µs per call of each step: the median over BATCHES batches, after one warm-up
 * batch. The steps take turns batch by batch, so a burst of outside load on the
 * machine lands on all of them rather than on one.
 */
function timed<K extends string>(steps: Record<K, Step>): Record<K, number> {
  const perCall = new Map<K, number[]>();
  for (let b = 0; b <= BATCHES; b++) {
    for (const [name, fn] of Object.entries(steps) as [K, Step][]) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < BATCH; i++) fn(i % BODIES);
      const us = Number(process.hrtime.bigint() - start) / 1000 / BATCH;
      if (b > 0) perCall.set(name, [...(perCall.get(name) ?? []), us]);
    }
  }
  const out = {} as Record<K, number>;
  for (const [name, values] of perCall) out[name] = median(values);
  return out;
}

/**
 * The façades' own steps timed in isolation, in this process, on the benchmark's
 * own request bodies: what the SOAP path does that REST does not, and the reverse.
 */
export function facadeCost(mothers: readonly string[]): FacadeCost {
  const now = new Date();
  const xml = Array.from({ length: BODIES }, soapBirthBodies(mothers, now, 'cost'));
  const raw = xml.map((x) => Buffer.from(x));
  const json = Array.from({ length: BODIES }, birthBodies(mothers, now, 'cost'));
  const parsedJson = json.map((j) => JSON.parse(j) as unknown);
  const envelopes = xml.map(parseEnvelope);
  const validate = schemaValidator('BirthRequest');
  const at = new Date();
  const records = parsedJson.map(
    (content, i): StoredNotification => ({
      clientId: BENCH_CLIENT_ID,
      notificationId: `bench-cost-${i}`,
      kind: 'birth',
      channel: 'soap-v2',
      fingerprint: '',
      sandbox: false,
      content: content as StoredNotification['content'],
      status: 'registered',
      childCode: '201126A002J',
      rejection: null,
      receivedAt: at,
      registeredAt: at,
      updatedAt: at,
    }),
  );
  const t = timed({
    guardXml: (i) => guardXml(raw[i] as Buffer),
    parseEnvelope: (i) => parseEnvelope(xml[i] as string),
    toCommand: (i) => toCommand('SyntymaIlmoitus', envelopes[i]?.body ?? {}),
    responseEnvelope: (i) => {
      const { namespace = '', headerXml, headerNamespaces } = envelopes[i] as SoapRequest;
      const parts = { namespace, headerXml, headerNamespaces };
      return responseEnvelope(parts, 'SyntymaIlmoitus', records[i] as StoredNotification);
    },
    jsonParse: (i) => JSON.parse(json[i] as string),
    schemaValidate: (i) => validate()(parsedJson[i]),
    jsonResponse: (i) => JSON.stringify(notificationResult(records[i] as StoredNotification)),
  });
  return {
    soap: {
      guardXml: t.guardXml,
      parseEnvelope: t.parseEnvelope,
      toCommand: t.toCommand,
      responseEnvelope: t.responseEnvelope,
    },
    rest: { jsonParse: t.jsonParse, schemaValidate: t.schemaValidate, jsonResponse: t.jsonResponse },
    bodyBytes: { soap: raw[0]?.length ?? 0, rest: Buffer.byteLength(json[0] ?? '') },
  };
}
