/**
 * Which of the project's source files run for one birth notification on each
 * channel (REST, SOAP v2, legacy SOAP), from request to answer: V8's precise
 * coverage around a single request to a warmed-up in-process gateway.
 * `npx tsx test/helpers/birth-path.ts` prints the files per channel.
 * (A measuring aid for the structure, not a test.)
 */
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import request from 'supertest';
import { birth } from './builders';
import { CLIENTS, seedStandard, startHarness } from './harness';
import { birthEnvelope, LEGACY, SOAP_OPEN, V2 } from './soap-hostile';
import { closeSharedDb } from './test-db';

async function main(): Promise<void> {
  const h = await startHarness({ env: SOAP_OPEN });
  await seedStandard(h);
  const calls = {
    rest: (i: number) =>
      request(h.gateway.app)
        .post('/v1/births')
        .set('X-Road-Client', CLIENTS.rest)
        .send(birth({}, `path-rest-${i}`)),
    'soap-v2': (i: number) =>
      request(h.gateway.app)
        .post(V2.path)
        .set('Content-Type', 'text/xml; charset=utf-8')
        .send(birthEnvelope(V2, { IlmoitusTunnus: `path-v2-${i}` })),
    'legacy-soap': (i: number) =>
      request(h.gateway.app)
        .post(LEGACY.path)
        .set('Content-Type', 'text/xml; charset=utf-8')
        .send(birthEnvelope(LEGACY, { IlmoitusTunnus: `path-legacy-${i}` })),
  };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  const root = `${process.cwd()}/`;
  for (const [channel, call] of Object.entries(calls)) {
    await call(0); // warm: everything lazily loaded is loaded
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    const res = await call(1);
    if (res.status !== 201 && res.status !== 200) throw new Error(`${channel}: ${res.status} ${res.text}`);
    const { result } = await session.post('Profiler.takePreciseCoverage');
    await session.post('Profiler.stopPreciseCoverage');
    const files = result
      .filter(
        (s) =>
          s.url.startsWith(`file://${root}src/`) &&
          s.functions.some((f) => f.ranges.some((r) => r.count > 0)),
      )
      .map((s) => relative(root, new URL(s.url).pathname))
      .sort();
    process.stdout.write(`${channel}: ${files.length} files\n  ${files.join('\n  ')}\n`);
  }
  session.disconnect();
  await closeSharedDb();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
