import assert from 'node:assert/strict';
import type { Client } from '../../src/core/clients/client';
import type { ClientRepository } from '../../src/core/ports';
import { cachedClients } from '../../src/infra/client-cache';
import { fixedClock } from '../helpers/clock';

/** A repository whose reads are counted and answered when the test says. */
function slowRepository(client: Client | undefined) {
  const reads: { resolve: (c: Client | undefined) => void; reject: (e: Error) => void }[] = [];
  const repo = {
    find: () =>
      new Promise<Client | undefined>((resolve, reject) => {
        reads.push({ resolve, reject });
      }),
  } as unknown as ClientRepository;
  const answer = (i: number, value: Client | undefined = client) => reads[i]?.resolve(value);
  return { repo, reads, answer };
}

const CLIENT = { id: 'FI/GOV/0123456-7/a', name: 'A' } as Client;

/** A cache of 5 s over a slow repository, holding CLIENT since the clock's now (one read made). */
async function cachedOnce() {
  const clock = fixedClock('2026-11-23T12:00:00+02:00');
  const { repo, reads, answer } = slowRepository(CLIENT);
  const cache = cachedClients(repo, clock, 5000);
  const first = cache.find(CLIENT.id);
  answer(0);
  await first;
  return { clock, cache, reads, answer };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the client cache', () => {
  it('reads a client once for the requests that arrive together while it is not cached', async () => {
    const clock = fixedClock('2026-11-23T12:00:00+02:00');
    const { repo, reads, answer } = slowRepository(CLIENT);
    const cache = cachedClients(repo, clock, 5000);
    const found = [cache.find(CLIENT.id), cache.find(CLIENT.id), cache.find(CLIENT.id)];
    assert.equal(reads.length, 1);
    answer(0);
    assert.deepEqual(await Promise.all(found), [CLIENT, CLIENT, CLIENT]);
  });

  it('reads again in the background after four fifths of its time: no request waits for it', async () => {
    const { clock, cache, reads, answer } = await cachedOnce();
    clock.advance(3999);
    assert.equal(await cache.find(CLIENT.id), CLIENT);
    assert.equal(reads.length, 1, 'fresh: not read again');
    clock.advance(1);
    // Answered at once, from the entry, while one read runs behind it.
    assert.equal(await cache.find(CLIENT.id), CLIENT);
    assert.equal(await cache.find(CLIENT.id), CLIENT);
    assert.equal(reads.length, 2);
    const changed = { ...CLIENT, name: 'A, renamed' };
    answer(1, changed);
    await settle();
    assert.equal(await cache.find(CLIENT.id), changed);
    assert.equal(reads.length, 2);
  });

  it('makes a request wait once the entry has expired, sharing the read under way; a failed read is its error', async () => {
    const { clock, cache, reads, answer } = await cachedOnce();
    clock.advance(4500);
    await cache.find(CLIENT.id); // starts the background read
    clock.advance(600); // expired, the read still out
    const waiting = cache.find(CLIENT.id);
    assert.equal(reads.length, 2);
    reads[1]?.reject(new Error('the database is down'));
    await assert.rejects(waiting, /down/);
    // Not cached after a failure: the next request reads again.
    const again = cache.find(CLIENT.id);
    assert.equal(reads.length, 3);
    answer(2);
    assert.equal(await again, CLIENT);
  });

  it('forgets a client changed through it, even when a read started before the change comes back after it', async () => {
    const clock = fixedClock('2026-11-23T12:00:00+02:00');
    const { repo, reads, answer } = slowRepository(CLIENT);
    (repo as { update: ClientRepository['update'] }).update = async () => true;
    const cache = cachedClients(repo, clock, 5000);
    const before = cache.find(CLIENT.id);
    await cache.update(CLIENT.id, { name: 'B' }, clock.now());
    answer(0);
    assert.equal(await before, CLIENT);
    const after = cache.find(CLIENT.id);
    assert.equal(reads.length, 2, 'the read from before the change was not kept');
    answer(1, { ...CLIENT, name: 'B' });
    assert.equal((await after)?.name, 'B');
  });
});
