import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGatewayProcess } from '../helpers/gateway-process';
import { linesWithIdentityCodes } from '../helpers/identity-codes';
import { lineWriter } from '../helpers/run-log';
import { newTempDir } from '../helpers/test-db';

const ROOT = join(__dirname, '..', '..');

/** `npm start` with these settings until it exits; what it printed and its exit code. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
    delete childEnv.DATABASE_URL;
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const [logOut, logErr] = [lineWriter('gateway-process'), lineWriter('gateway-process')];
    child.stdout.on('data', (d: Buffer) => {
      output += d;
      logOut.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d;
      logErr.write(d);
    });
    child.on('close', () => {
      logOut.end();
      logErr.end();
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('starting the gateway (npm start)', function () {
  this.timeout(60_000);

  it('says at once which setting to change when its port is taken, before touching the database', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const port = (holder.address() as { port: number }).port;
    const dataDir = join(newTempDir(), 'data');
    try {
      const { code, output } = await runToExit({ PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' });
      assert.equal(code, 2, output);
      assert.match(output, new RegExp(`The port ${port} on 127\\.0\\.0\\.1 is already in use: .*PORT`));
      assert.doesNotMatch(output, /EADDRINUSE|at .*\.js:\d+/, 'no bare error, no stack');
      assert.equal(existsSync(dataDir), false, 'the embedded database was not created');
    } finally {
      holder.close();
    }
  });

  it('prints a ready `export OPS_TOKEN=…` line whose token opens the operator API', async () => {
    const gateway = await startGatewayProcess({
      DATA_DIR: newTempDir(),
      OPS_TOKEN: undefined,
      DATABASE_URL: undefined,
    });
    try {
      const banner = await gateway.waitForOutput(/More in README/);
      const line = /^ {4}export OPS_TOKEN=(\S+)$/m.exec(banner);
      assert.ok(line?.[1], banner);
      const ok = await fetch(`${gateway.url}/ops/clients`, {
        headers: { Authorization: `Bearer ${line[1]}` },
      });
      assert.equal(ok.status, 200);
      // Printed to stdout, the log stream: no personal identity code in clear, not even a demo one.
      assert.deepEqual(linesWithIdentityCodes(gateway.output()), [], 'no code in what the gateway printed');
      // The banner's example birth works as printed, and repeating it replays it.
      const example = /^ +(curl -s -X POST [\s\S]*?\}'$)/m.exec(banner)?.[1];
      assert.ok(example, 'the banner has a birth example');
      const run = () => promisify(execFile)('bash', ['-c', example]).then((r) => JSON.parse(r.stdout));
      const first = await run();
      assert.equal(first.status, 'registered', JSON.stringify(first));
      assert.deepEqual(await run(), first);
    } finally {
      await gateway.kill('SIGTERM');
    }
  });
});
