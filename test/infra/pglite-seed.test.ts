import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../../src/infra/pg/migrate';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { initialiseDataDir, PG_VERSION, seedDataDir, seedPath } from '../../src/infra/pg/pglite-seed';
import { explain, runCli } from '../cli/run-cli';
import { newTempDir } from '../helpers/test-db';

/**
 * A new embedded database is a copy of the seed PGlite's initdb made once, in
 * a child process; the process that opens the database never runs initdb.
 */
describe('a new embedded database: a copy of a seed made in a process of its own', function () {
  this.timeout(180_000);

  it('makes the seed in a child process, once, however many ask at once, and clears what a killed maker left', async () => {
    const cache = newTempDir();
    // A maker killed half-way: its process is gone, its directory is not.
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const abandoned = join(cache, `tmp-${dead}-0123abcd`);
    mkdirSync(join(abandoned, 'base'), { recursive: true });

    const [a, b] = await Promise.all([seedDataDir(cache), seedDataDir(cache)]);
    assert.equal(a.dir, seedPath(cache));
    assert.equal(b.dir, a.dir);
    assert.ok(existsSync(join(a.dir, PG_VERSION)), 'a whole data directory');
    assert.deepEqual(
      readdirSync(cache),
      [seedPath(cache).slice(cache.length + 1)],
      'only the seed: the loser of the race and the abandoned maker left nothing',
    );
  });

  it('opens a directory whose copy was cut short anywhere: the next open copies again over what was left', async () => {
    const seed = await seedDataDir();
    const entries = readdirSync(seed.dir)
      .filter((e) => e !== PG_VERSION)
      .sort();
    // Cut after none, some and all of the seed's entries, each time with the last file copied cut short.
    for (const upTo of [0, Math.floor(entries.length / 2), entries.length]) {
      const dir = newTempDir();
      for (const entry of entries.slice(0, upTo))
        cpSync(join(seed.dir, entry), join(dir, entry), { recursive: true });
      const partial = lastFile(dir);
      if (partial) truncateSync(partial, Math.floor(statSync(partial).size / 2));

      const db = await createPgliteDatabase(dir);
      try {
        await migrate(db);
        await db.exec('CREATE TABLE cut (n int)');
        await db.query('INSERT INTO cut VALUES ($1)', [upTo]);
      } finally {
        await db.close();
      }
      assert.equal(await initialiseDataDir(dir), false, 'a whole database is never copied over');
      const again = await createPgliteDatabase(dir);
      try {
        assert.deepEqual(await again.query('SELECT n FROM cut'), [{ n: upTo }], `cut after ${upTo} entries`);
      } finally {
        await again.close();
      }
    }
  });

  it('gives the command line a new database in a fresh DATA_DIR', async () => {
    const dir = join(newTempDir(), 'data');
    const args = ['clients', 'list', '--json'];
    const r = await runCli(dir, args);
    assert.equal(r.code, 0, explain(args, r));
    assert.deepEqual(JSON.parse(r.stdout), { clients: [] });
    assert.ok(existsSync(join(dir, PG_VERSION)));
  });
});

/** The last regular file under `dir` in name order, or undefined. */
function lastFile(dir: string): string | undefined {
  let found: string | undefined;
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found = lastFile(path) ?? found;
    else found = path;
  }
  return found;
}
