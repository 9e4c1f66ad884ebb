import autocannon from 'autocannon';
import { startGateway, motherCodes } from './bench/gateway-server';
import { startBaseline } from './bench/baseline-server';
import { freshPostgres } from './bench/stores';
import { birthBodies } from './bench/load';
import { BENCH_CLIENT_ID } from './bench/target';
import { fork } from 'node:child_process';
(async () => {
  if (process.argv[2] === 'child') {
    const store = await freshPostgres();
    const t = process.argv[3] === 'gateway' ? await startGateway(store.spec, 2000) : await startBaseline(store.spec);
    process.send!({ url: t.url });
    process.on('message', async () => { await t.close(); await store.drop(); process.exit(0); });
    return;
  }
  for (const kind of ['baseline', 'gateway']) {
    const child = fork(__filename, ['child', kind], { execArgv: ['--import', 'tsx', '--cpu-prof', `--cpu-prof-dir=/tmp/prof/${kind}`] });
    const url: string = await new Promise((r) => child.once('message', (m: any) => r(m.url)));
    const body = birthBodies(motherCodes(2000), new Date(), 'p');
    const r = await autocannon({ url: `${url}/v1/births`, method: 'POST', connections: 10, duration: 8,
      headers: { 'content-type': 'application/json', 'x-road-client': BENCH_CLIENT_ID },
      requests: [{ setupRequest: (req: any) => ({ ...req, body: body() }) }] });
    console.log(kind, 'rps', r.requests.average, 'non2xx', r.non2xx, 'total', r.requests.total);
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
  }
})();
