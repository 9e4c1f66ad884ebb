import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../src/infra/pg/database';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { newTempDir } from '../helpers/test-db';

/**
 * PGlite as shipped syncs nothing; here every commit's WAL is synced before
 * the commit is answered. Each fsync the process makes, on the event loop or
 * off it, is recorded (the inode of the file it syncs) and compared with the
 * WAL segments in the data directory.
 */
describe('the embedded store syncs its WAL at every commit', function () {
  this.timeout(120_000);
  const dir = newTempDir();
  const synced: number[] = [];
  const original = { fsync: fs.fsync, fsyncSync: fs.fsyncSync };
  let db: Database;

  before(async () => {
    fs.fsyncSync = (fd: number) => {
      synced.push(fs.fstatSync(fd).ino);
      original.fsyncSync(fd);
    };
    fs.fsync = ((fd: number, callback: fs.NoParamCallback) => {
      synced.push(fs.fstatSync(fd).ino);
      original.fsync(fd, callback);
    }) as typeof fs.fsync;
    db = await createPgliteDatabase(dir);
    await db.exec('CREATE TABLE synced (n int)');
  });
  after(async () => {
    Object.assign(fs, original);
    await db?.close();
  });

  const walSegments = () =>
    new Set(fs.readdirSync(join(dir, 'pg_wal')).map((f) => fs.statSync(join(dir, 'pg_wal', f)).ino));

  it('syncs a WAL segment for every committing transaction before it is answered, and nothing for one that writes nothing', async () => {
    for (let n = 0; n < 5; n++) {
      synced.length = 0;
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO synced VALUES ($1)', [n]);
        assert.deepEqual(synced, [], 'nothing is synced before the commit');
      });
      const wal = walSegments();
      assert.ok(
        synced.some((ino) => wal.has(ino)),
        `commit ${n}: a WAL segment was synced (synced inodes ${synced.join(', ') || 'none'})`,
      );
    }
    synced.length = 0;
    await db.query('SELECT count(*) FROM synced');
    assert.deepEqual(synced, [], 'a read commits nothing to sync');
  });
});
