import assert from 'node:assert/strict';
import type { Database, TransactionOptions } from '../../src/infra/pg/database';
import { createStore } from '../../src/infra/pg/store';
import { fixedClock } from '../helpers/clock';
import { sharedDb } from '../helpers/test-db';

/**
 * The store's transactions run their prepared statements on generic plans
 * (planned once per connection), and only they: the setting is the
 * transaction's own, so the operators' searches keep plans made for their
 * values.
 */
describe('generic plans for the store’s transactions', () => {
  it('the store asks for them on every transaction it opens', async () => {
    const asked: (TransactionOptions | undefined)[] = [];
    const db = {
      kind: 'pg' as const,
      query: async () => [],
      exec: async () => {},
      close: async () => {},
      async transaction<T>(
        fn: (tx: {
          query: () => Promise<never[]>;
          queryLast: () => Promise<never[]>;
          exec: () => Promise<void>;
        }) => Promise<T>,
        options?: TransactionOptions,
      ) {
        asked.push(options);
        return fn({ query: async () => [], queryLast: async () => [], exec: async () => {} });
      },
    } satisfies Database;
    const store = createStore(db, { clock: fixedClock('2026-12-06T08:00:00Z'), clientCacheMs: 0 });
    await store.transaction(async () => 'done');
    await store.transaction(async (tx) => tx.register.lockPersons([]));
    assert.deepEqual(asked, [{ genericPlans: true }, { genericPlans: true }]);
  });

  it('a transaction that asks for them has them, and the setting ends with it', async () => {
    const db = await sharedDb();
    const mode = async (q: Pick<Database, 'query'>) =>
      (await q.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode'))[0]?.plan_cache_mode;
    assert.equal(await db.transaction((tx) => mode(tx), { genericPlans: true }), 'force_generic_plan');
    assert.equal(await db.transaction((tx) => mode(tx)), 'auto');
    assert.equal(await mode(db), 'auto');
  });
});
