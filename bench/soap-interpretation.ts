import type { FacadeCost } from './facade-cost';
import { n0, para, pct } from './report';
import type { SoapBenchResults, SoapStoreResult } from './soap-report';

const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);
const us = (v: number) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)} µs`;
const storeName = (s: SoapStoreResult) => (s.store === 'pg' ? 'PostgreSQL' : 'PGlite');
const spreadPoints = (s: SoapStoreResult) => (Math.max(...s.roundRatios) - Math.min(...s.roundRatios)) * 100;
const spread = (s: SoapStoreResult) =>
  `${(Math.min(...s.roundRatios) * 100).toFixed(0)}–${(Math.max(...s.roundRatios) * 100).toFixed(0)} %`;
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

function costParagraph(c: FacadeCost): string {
  const soap = sum(c.soap);
  const rest = sum(c.rest);
  return para(
    "**The façade steps in isolation**, timed in the load generator's process before the runs on the",
    `benchmark's own bodies (SOAP envelope ${n0(c.bodyBytes.soap)} bytes, REST body ${n0(c.bodyBytes.rest)} bytes):`,
    `SOAP v2 \`guardXml\` ${us(c.soap.guardXml)}, \`parseEnvelope\` ${us(c.soap.parseEnvelope)}, \`toCommand\``,
    `${us(c.soap.toCommand)}, \`responseEnvelope\` ${us(c.soap.responseEnvelope)}: ${us(soap)} per request;`,
    `REST \`JSON.parse\` ${us(c.rest.jsonParse)}, the schema validator ${us(c.rest.schemaValidate)}, the JSON`,
    `response ${us(c.rest.jsonResponse)}: ${us(rest)}. \`parseEnvelope\` alone is`,
    `${pct(c.soap.parseEnvelope / soap)} of SOAP's own steps: one strict, namespace-aware saxes pass that builds`,
    'a small element tree, from which the header to echo (sliced from the text by position), the X-Road',
    'client and the body are read. (With fast-xml-parser, a validating pass and then a parsing pass, it was',
    '119 µs of 136 µs on 2026-11-23.)',
  );
}

function storeParagraph(s: SoapStoreResult): string {
  const rest = s.rest.cpuMsPerRequest;
  const soap = s.soap.cpuMsPerRequest;
  const wide = spreadPoints(s) > 30;
  return para(
    `*${storeName(s)}*: SOAP v2 cost ${f2(soap)} ms of server-process CPU per registration against REST's`,
    `${f2(rest)} ms (${soap >= rest ? '+' : '−'}${f2(Math.abs(soap - rest))} ms, all rounds together), with`,
    `${f1(s.soap.statementsPerRequest)} against ${f1(s.rest.statementsPerRequest)} SQL statements per registration.`,
    soap > 0 ? `Were the gateway's CPU all that limits, SOAP would reach ${pct(rest / soap)} of REST.` : '',
    `The per-round ratios span ${spread(s)}, median ${pct(s.ratio)}${wide ? ': the rounds disagree widely, so the machine was busy during the run and the CPU per registration is the steadier figure' : ''}.`,
    s.store === 'pglite'
      ? "PGlite runs the database on the gateway's own event loop, so every microsecond the façade adds is taken from the database work as well."
      : 'PostgreSQL runs the statements in backend processes on the same cores, so the façade competes with them and with the load generator for CPU.',
  );
}

/** The prose under the SOAP v2 table, with this run's numbers. */
export function soapInterpretation(r: SoapBenchResults): string {
  const target = pct(r.targetRatio);
  const missed = r.stores.filter((s) => !s.targetMet).map(storeName);
  return [
    para(
      '**Reading the numbers.**',
      `By the median of ${r.settings.rounds} alternating rounds per store,`,
      missed.length === 0
        ? `SOAP v2 reaches the ${target} target on every store.`
        : `SOAP v2 misses the ${target} target on ${missed.join(' and ')}.`,
      'Both façades end in the same core call (`NotificationService.submit`) and the same group commit, and on',
      "each store they ran against one process, so what differs is the façade's own work on the gateway's",
      'event loop. SOAP v2 reads the body raw and screens it (`guardXml`: UTF-8, no DTD or entity',
      'declarations, nesting depth and element count), `parseEnvelope` checks and parses the envelope and walks',
      'the tree for the namespaces, the X-Road client and the header to echo, `toCommand` maps the elements to',
      "the core's command, and the answer is an envelope that echoes the request's header, sent with the",
      'Deprecation, Sunset and Link headers. REST parses a small JSON body and runs one compiled JSON Schema',
      'validator.',
    ),
    costParagraph(r.facadeCost),
    ...r.stores.map(storeParagraph),
    para(
      'The machine may be shared with other work: each round pairs a REST run with the SOAP v2 run right after',
      'it on the same process, and the median of those paired ratios is what to compare across runs; absolute',
      'requests/s are not comparable across runs.',
    ),
  ].join('\n\n');
}
