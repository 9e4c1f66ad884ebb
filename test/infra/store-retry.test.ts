import assert from 'node:assert/strict';
import { type Database, DatabaseUnavailableError } from '../../src/infra/pg/database';
import { createStore, MAX_ATTEMPTS } from '../../src/infra/pg/store';
import { fixedClock } from '../helpers/clock';

/** A database whose transactions fail with `error` the first `times` times, then run. */
function conflicting(error: Error, times: number): Database & { attempts: number } {
  const db = {
    kind: 'pg' as const,
    attempts: 0,
    query: async () => [],
    exec: async () => {},
    close: async () => {},
    async transaction<T>(
      fn: (tx: {
        query: () => Promise<never[]>;
        queryLast: () => Promise<never[]>;
        exec: () => Promise<void>;
      }) => Promise<T>,
    ) {
      db.attempts += 1;
      if (db.attempts <= times) throw error;
      return fn({ query: async () => [], queryLast: async () => [], exec: async () => {} });
    },
  };
  return db;
}

const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });
const store = (db: Database) =>
  createStore(db, { clock: fixedClock('2026-11-23T10:00:00Z'), clientCacheMs: 0 });

describe('the store runs a conflicting transaction again inside the gateway', () => {
  it('runs it again after a deadlock or serialization failure, so the client never sees one', async () => {
    const db = conflicting(deadlock(), MAX_ATTEMPTS - 1);
    assert.equal(await store(db).transaction(async () => 'done'), 'done');
    assert.equal(db.attempts, MAX_ATTEMPTS);
  });

  it('gives up after MAX_ATTEMPTS as the database being unavailable (503), never as the conflict', async () => {
    const db = conflicting(deadlock(), MAX_ATTEMPTS);
    const s = store(db);
    await assert.rejects(
      s.transaction(async () => 'done'),
      (err: unknown) => {
        assert.ok(err instanceof DatabaseUnavailableError);
        assert.equal((err.cause as { code?: string }).code, '40P01');
        assert.ok(s.isUnavailable(err));
        return true;
      },
    );
    assert.equal(db.attempts, MAX_ATTEMPTS);
  });

  it('does not run again what is not a conflict', async () => {
    const db = conflicting(Object.assign(new Error('duplicate key'), { code: '23505' }), 1);
    await assert.rejects(
      store(db).transaction(async () => 'done'),
      /duplicate key/,
    );
    assert.equal(db.attempts, 1);
  });
});
