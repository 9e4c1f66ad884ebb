import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseLockedError, LOCK_FILE, lockDataDir } from '../../src/infra/pg/data-dir-lock';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { newTempDir } from '../helpers/test-db';

/** A pid that surely belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(pid);
  return pid;
}

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number };

describe('the embedded database is opened by one process at a time (data directory lock)', () => {
  it('refuses a second open of the same directory while the first is open, and allows it after close', async function () {
    this.timeout(120_000);
    const dir = newTempDir();
    const first = await createPgliteDatabase(dir);
    try {
      assert.equal(lockOf(dir).pid, process.pid);
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
    assert.equal(existsSync(join(dir, LOCK_FILE)), false, 'close releases the lock');
    const again = await createPgliteDatabase(dir);
    await again.close();
  });

  it('refuses while another live process holds the lock, naming it', () => {
    const dir = newTempDir();
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, holder: 'a vtj-gateway command', since: '' }),
    );
    assert.throws(
      () => lockDataDir(dir),
      (err: unknown) =>
        err instanceof DatabaseLockedError &&
        err.message.startsWith(`A vtj-gateway command (pid ${process.ppid}) has the embedded database`),
    );
    assert.equal(lockOf(dir).pid, process.ppid, 'the live lock is left alone');
  });

  it('takes over a stale lock: its process is gone, it is unreadable, or it is an earlier process with our pid', () => {
    const stale = [
      JSON.stringify({ pid: deadPid(), holder: 'the gateway', since: '' }),
      '{"pid": 12', // a crash while writing it
      JSON.stringify({ pid: process.pid, holder: 'the gateway', since: '' }), // pids repeat in containers
    ];
    for (const content of stale) {
      const dir = newTempDir();
      writeFileSync(join(dir, LOCK_FILE), content);
      const lock = lockDataDir(dir);
      assert.equal(lockOf(dir).pid, process.pid, content);
      lock.release();
      assert.equal(existsSync(join(dir, LOCK_FILE)), false);
      lock.release(); // idempotent
    }
  });
});
