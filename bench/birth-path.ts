import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/**
 * Which of the gateway's source files a birth passes through, per channel:
 * the files with a function that ran while one birth was answered, from the
 * request's arrival to its answer. Measured, not read off the imports: the
 * gateway runs from its TypeScript sources (tsx) with V8's precise coverage
 * on, warms each channel up, and then, three times, resets the call counts,
 * sends one birth and reads the counts back. A file counts when it ran in all
 * three (so a background timer that fired during one of them does not).
 *
 *   npm run bench:birth-path                     # this checkout
 *   npm run bench:birth-path -- ../before        # another checkout (node_modules installed)
 */
const checkoutDir = resolve(process.argv[2] ?? join(__dirname, '..'));
const REPEATS = 3;
const REST_CLIENT = 'FI-TEST/GOV/0000000-0/demo-synnytys';
const SOAP_CLIENT = 'demo-legacy';
let sequence = 0;
const unique = () => `${process.pid}-${Date.now()}-${sequence++}`;

/** Loaded into the gateway's process: precise coverage on, a snapshot written at every SIGUSR2. */
const PRELOAD = `
const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
let n = 0;
process.on('SIGUSR2', () => {
  session.post('Profiler.takePreciseCoverage', (err, res) => {
    const ran = err ? [] : res.result
      .filter((s) => s.functions.some((f) => f.ranges[0].count > 0))
      .map((s) => s.url);
    fs.writeFileSync(process.env.BIRTH_PATH_OUT + '.' + n++, JSON.stringify(ran));
  });
});
`;

interface Channel {
  name: string;
  send(base: string): Promise<Response>;
}

const today = () => new Date().toISOString().slice(0, 10);

function restBirth(base: string): Promise<Response> {
  return fetch(`${base}/v1/births`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Road-Client': REST_CLIENT },
    body: JSON.stringify({
      notificationId: `path-${unique()}`,
      child: { birthDateTime: `${today()}T08:00:00+02:00`, sex: 'female', birthWeightGrams: 3480 },
      birth: { municipalityCode: '091', liveBorn: true },
      mother: { personalIdentityCode: '150590-9021' },
    }),
  });
}

function soapBirth(path: string, ns: string): (base: string) => Promise<Response> {
  return (base) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
      body: `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:n="${ns}">
  <soap:Header>
    <xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>FI-TEST</id:xRoadInstance><id:memberClass>GOV</id:memberClass>
      <id:memberCode>0000000-0</id:memberCode><id:subsystemCode>${SOAP_CLIENT}</id:subsystemCode></xrd:client>
    <xrd:id>path-msg-${unique()}</xrd:id><xrd:protocolVersion>4.0</xrd:protocolVersion>
  </soap:Header>
  <soap:Body><n:SyntymaIlmoitus>
    <n:IlmoitusTunnus>path-${unique()}</n:IlmoitusTunnus>
    <n:Lapsi><n:SyntymaAika>${today()}T08:00:00+02:00</n:SyntymaAika><n:Sukupuoli>1</n:Sukupuoli></n:Lapsi>
    <n:Syntyma><n:SyntymaKunta>091</n:SyntymaKunta><n:ElavanaSyntynyt>true</n:ElavanaSyntynyt></n:Syntyma>
    <n:Aiti><n:Henkilotunnus>210388-904U</n:Henkilotunnus></n:Aiti>
  </n:SyntymaIlmoitus></soap:Body>
</soap:Envelope>`,
    });
}

const CHANNELS: Channel[] = [
  { name: 'REST', send: restBirth },
  { name: 'SOAP v2', send: soapBirth('/soap/v2', 'urn:fi:vtj:ilmoitus:v2') },
  { name: 'legacy SOAP', send: soapBirth('/soap/legacy', 'urn:fi:vtj:ilmoitus:legacy') },
];

async function start(dir: string, work: string): Promise<{ child: ChildProcess; base: string }> {
  const preload = join(work, 'preload.cjs');
  writeFileSync(preload, PRELOAD);
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(dir, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs'),
      '-r',
      preload,
      join(dir, 'src', 'main.ts'),
    ],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'info',
        DATABASE_URL: '',
        DATA_DIR: join(work, 'data'),
        BIRTH_PATH_OUT: join(work, 'coverage'),
        // Background work well away from the measured windows.
        USAGE_FLUSH_MS: '600000',
        AUDIT_FLUSH_MS: '600000',
        PENDING_RETRY_MS: '600000',
      },
    },
  );
  let output = '';
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const base = await new Promise<string>((ok, fail) => {
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"gateway listening"/.exec(output);
      if (m?.[1]) ok(m[1]);
    });
    child.once('exit', () => fail(new Error(`the gateway exited:\n${output}`)));
  });
  return { child, base };
}

let snapshots = 0;
async function snapshot(child: ChildProcess, work: string): Promise<string[]> {
  const file = join(work, `coverage.${snapshots++}`);
  child.kill('SIGUSR2');
  for (let i = 0; !existsSync(file); i++) {
    if (i > 500) throw new Error('no coverage snapshot');
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 20));
  return JSON.parse(readFileSync(file, 'utf8')) as string[];
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'birth-path-'));
  const { child, base } = await start(checkoutDir, work);
  const src = join(checkoutDir, 'src');
  try {
    console.log(`checkout ${checkoutDir}`);
    for (const channel of CHANNELS) {
      for (let i = 0; i < 3; i++) {
        const res = await channel.send(base);
        if (res.status >= 300) throw new Error(`${channel.name} warm-up: ${res.status} ${await res.text()}`);
      }
      let files: Set<string> | undefined;
      for (let i = 0; i < REPEATS; i++) {
        await snapshot(child, work);
        const res = await channel.send(base);
        await res.text();
        const ran = (await snapshot(child, work))
          .map((url) => (url.startsWith('file://') ? new URL(url).pathname : url))
          .filter((path) => path.startsWith(src))
          .map((path) => relative(src, path));
        files = new Set(files ? [...files].filter((f) => ran.includes(f)) : ran);
      }
      const list = [...(files ?? [])].sort();
      console.log(`\n${channel.name}: ${list.length} files`);
      for (const f of list) console.log(`  ${f}`);
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
