import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseLockedError, lockDataDir } from '../../src/infra/pg/data-dir-lock';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { holdLockInAnotherProcess } from '../helpers/lock-holder';
import { newTempDir } from '../helpers/test-db';

describe('the embedded database is opened by one process at a time (data directory lock)', () => {
  it('refuses a second open of the same directory while the first is open, and allows it after close', async function () {
    this.timeout(120_000);
    const dir = newTempDir();
    const first = await createPgliteDatabase(dir);
    try {
      await assert.rejects(createPgliteDatabase(dir), (err: unknown) => {
        assert.ok(err instanceof DatabaseLockedError);
        assert.equal(err.pid, process.pid);
        assert.match(
          err.message,
          new RegExp(
            `^The gateway \\(pid ${process.pid}\\) has the embedded database in ${dir} open; stop it, or use the operator API /ops/ .*set DATABASE_URL`,
          ),
        );
        return true;
      });
      // The refused open did not disturb the open one.
      assert.deepEqual(await first.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await first.close();
    }
    const again = await createPgliteDatabase(dir);
    await again.close();
  });

  it('refuses at once while another live process holds it, naming that process', async () => {
    const dir = newTempDir();
    const holder = await holdLockInAnotherProcess(dir);
    try {
      const started = performance.now();
      await assert.rejects(lockDataDir(dir), (err: unknown) => {
        assert.ok(err instanceof DatabaseLockedError);
        assert.equal(err.pid, holder.pid);
        assert.match(
          err.message,
          new RegExp(`^The gateway \\(pid ${holder.pid}\\) has the embedded database`),
        );
        return true;
      });
      assert.ok(performance.now() - started < 5000, 'a holder that answers is not waited for');
    } finally {
      await holder.kill();
    }
  });

  it('is free the moment its holder is killed (SIGKILL), with nothing to clean up', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = newTempDir();
      const holder = await holdLockInAnotherProcess(dir);
      holder.child.kill('SIGKILL'); // not waited for: the next lockDataDir may meet it still dying
      const lock = await lockDataDir(dir);
      lock.release();
      lock.release(); // idempotent
      await holder.kill();
    }
  });

  it('waits for a holder that does not answer, up to a bound, then refuses; or takes it once the holder dies', async () => {
    const dir = newTempDir();
    const busy = await holdLockInAnotherProcess(dir, 'busy');
    try {
      await assert.rejects(lockDataDir(dir, { silentHolderWaitMs: 1500 }), (err: unknown) => {
        assert.ok(err instanceof DatabaseLockedError);
        assert.equal(err.pid, undefined);
        assert.match(err.message, /^Another process has the embedded database in .* open/);
        return true;
      });
      const taken = lockDataDir(dir, { silentHolderWaitMs: 30_000 });
      await new Promise((r) => setTimeout(r, 700));
      await busy.kill();
      (await taken).release();
    } finally {
      await busy.kill();
    }
  });

  it('is not fooled by a lock file an older version left, whatever pid it names', async () => {
    const dir = newTempDir();
    writeFileSync(
      join(dir, '.vtj-gateway.lock'),
      JSON.stringify({ pid: process.pid, holder: 'the gateway' }),
    );
    (await lockDataDir(dir)).release();
  });

  it('treats two spellings of one directory as one lock', async () => {
    const dir = newTempDir();
    const lock = await lockDataDir(dir);
    try {
      await assert.rejects(
        lockDataDir(join(dir, '..', dir.split('/').pop() as string, '.')),
        DatabaseLockedError,
      );
    } finally {
      lock.release();
    }
  });
});
