import assert from 'node:assert/strict';
import { GroupCommit, type Settled } from '../../src/core/notifications/group-commit';

/** Lets the event loop take one turn (a setImmediate queued after those already queued). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (condition()) return;
    await turn();
  }
  assert.fail(`timed out waiting until ${what}`);
}

interface Batch {
  items: number[];
  /** Ends the batch with these results (default: every item ok, `done <item>`). */
  finish(results?: Settled<string>[]): void;
  fail(error: unknown): void;
}

/** A GroupCommit whose batches stay running until the test finishes them. */
function harness(limits: ConstructorParameters<typeof GroupCommit<number, string>>[1]) {
  const batches: Batch[] = [];
  const state = { running: 0, mostRunning: 0 };
  const commit = new GroupCommit<number, string>(
    (items) =>
      new Promise<Settled<string>[]>((resolve, reject) => {
        state.running += 1;
        state.mostRunning = Math.max(state.mostRunning, state.running);
        batches.push({
          items,
          finish: (results = items.map((i) => ({ ok: true, value: `done ${i}` }))) => {
            state.running -= 1;
            resolve(results);
          },
          fail: (error) => {
            state.running -= 1;
            reject(error);
          },
        });
      }),
    limits,
  );
  return { commit, batches, state };
}

function batch(batches: Batch[], i: number): Batch {
  const b = batches[i];
  if (!b) return assert.fail(`there is no batch ${i}`);
  return b;
}

const ONE_AT_A_TIME = { maxBatch: 100, maxConcurrent: 1 };

describe('GroupCommit', () => {
  it('is idle once every batch under way and every one waiting has settled (a shutdown waits for it)', async () => {
    const { commit, batches } = harness(ONE_AT_A_TIME);
    await commit.idle(); // nothing under way: at once
    const first = commit.submit(1);
    await until(() => batches.length === 1, 'the first batch runs');
    const second = commit.submit(2); // waits for the first
    let idle = false;
    const settled = commit.idle().then(() => {
      idle = true;
    });
    batch(batches, 0).finish();
    await until(() => batches.length === 2, 'the second batch runs');
    assert.equal(idle, false, 'not while the second runs');
    batch(batches, 1).fail(new Error('boom'));
    await settled;
    assert.equal(await first, 'done 1');
    await assert.rejects(second, /boom/);
  });

  it('runs a lone submission at once, in a batch of its own', async () => {
    const { commit, batches } = harness(ONE_AT_A_TIME);
    const result = commit.submit(1);
    // it waits only for the rest of the current turn, in case more arrive in it
    assert.equal(batches.length, 0);
    await turn();
    assert.deepEqual(
      batches.map((b) => b.items),
      [[1]],
    );
    batch(batches, 0).finish();
    assert.equal(await result, 'done 1');
  });

  it('puts submissions made together (in one turn) into one batch, each getting its own result', async () => {
    const { commit, batches } = harness(ONE_AT_A_TIME);
    const results = [commit.submit(1), commit.submit(2), commit.submit(3)];
    await turn();
    assert.deepEqual(
      batches.map((b) => b.items),
      [[1, 2, 3]],
    );
    batch(batches, 0).finish();
    assert.deepEqual(await Promise.all(results), ['done 1', 'done 2', 'done 3']);
  });

  it('puts submissions made while a batch runs into the next batch, together', async () => {
    const { commit, batches } = harness(ONE_AT_A_TIME);
    const first = commit.submit(1);
    await until(() => batches.length === 1, 'the first batch starts');
    const later = [commit.submit(2)];
    await turn();
    later.push(commit.submit(3));
    await turn();
    later.push(commit.submit(4));
    await turn();
    assert.equal(batches.length, 1, 'nothing else starts while the batch runs');

    batch(batches, 0).finish();
    assert.equal(await first, 'done 1');
    await until(() => batches.length === 2, 'the next batch starts');
    assert.deepEqual(batch(batches, 1).items, [2, 3, 4]);
    batch(batches, 1).finish();
    assert.deepEqual(await Promise.all(later), ['done 2', 'done 3', 'done 4']);
  });

  it('fails the waiting submissions at once when a batch fails with an error that sheds the queue', async () => {
    const down = Object.assign(new Error('database down'), { down: true });
    const { commit, batches } = harness({ ...ONE_AT_A_TIME, shedsQueue: (e) => e === down });
    const first = Promise.allSettled([commit.submit(1)]);
    await until(() => batches.length === 1, 'the first batch starts');
    const waiting = Promise.allSettled([commit.submit(2), commit.submit(3)]);
    await turn();
    batch(batches, 0).fail(down);
    assert.deepEqual(await first, [{ status: 'rejected', reason: down }]);
    assert.deepEqual(await waiting, [
      { status: 'rejected', reason: down },
      { status: 'rejected', reason: down },
    ]);
    assert.equal(batches.length, 1, 'no batch was started for the shed submissions');

    // Any other error fails its own batch only; the next one runs.
    const other = new Error('boom');
    const again = Promise.allSettled([commit.submit(4)]);
    await until(() => batches.length === 2, 'a new batch starts');
    const next = commit.submit(5);
    await turn();
    batch(batches, 1).fail(other);
    assert.deepEqual(await again, [{ status: 'rejected', reason: other }]);
    await until(() => batches.length === 3, 'the waiting submission gets its batch');
    batch(batches, 2).finish();
    assert.equal(await next, 'done 5');
  });

  it('gives an item’s error to its submitter only', async () => {
    const { commit, batches } = harness(ONE_AT_A_TIME);
    const refused = new Error('refused');
    const results = Promise.allSettled([commit.submit(1), commit.submit(2), commit.submit(3)]);
    await turn();
    batch(batches, 0).finish([
      { ok: true, value: 'one' },
      { ok: false, error: refused },
      { ok: true, value: 'three' },
    ]);
    assert.deepEqual(await results, [
      { status: 'fulfilled', value: 'one' },
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: 'three' },
    ]);
  });

  it('rejects an item the batch returned no result for', async () => {
    const { commit, batches } = harness(ONE_AT_A_TIME);
    const results = Promise.allSettled([commit.submit(1), commit.submit(2)]);
    await turn();
    batch(batches, 0).finish([{ ok: true, value: 'one' }]);
    const [one, two] = await results;
    assert.deepEqual(one, { status: 'fulfilled', value: 'one' });
    assert.equal(two?.status, 'rejected');
    assert.match(String((two as PromiseRejectedResult).reason), /no result/);
  });

  it('rejects every item of a batch that throws, and goes on with the next batch', async () => {
    const { commit, batches } = harness(ONE_AT_A_TIME);
    const broken = new Error('database gone');
    const doomed = Promise.allSettled([commit.submit(1), commit.submit(2)]);
    await turn();
    const next = commit.submit(3);
    await turn();
    batch(batches, 0).fail(broken);
    assert.deepEqual(await doomed, [
      { status: 'rejected', reason: broken },
      { status: 'rejected', reason: broken },
    ]);
    await until(() => batches.length === 2, 'the next batch starts');
    assert.deepEqual(batch(batches, 1).items, [3]);
    batch(batches, 1).finish();
    assert.equal(await next, 'done 3');
  });

  it('takes at most maxBatch items into one batch', async () => {
    const { commit, batches } = harness({ maxBatch: 2, maxConcurrent: 1 });
    const results = [1, 2, 3, 4, 5].map((i) => commit.submit(i));
    await turn();
    assert.deepEqual(
      batches.map((b) => b.items),
      [[1, 2]],
    );
    batch(batches, 0).finish();
    await until(() => batches.length === 2, 'the second batch starts');
    batch(batches, 1).finish();
    await until(() => batches.length === 3, 'the third batch starts');
    batch(batches, 2).finish();
    assert.deepEqual(
      batches.map((b) => b.items),
      [[1, 2], [3, 4], [5]],
    );
    assert.deepEqual(
      await Promise.all(results),
      [1, 2, 3, 4, 5].map((i) => `done ${i}`),
    );
  });

  it('runs at most maxConcurrent batches at once', async () => {
    const { commit, batches, state } = harness({ maxBatch: 2, maxConcurrent: 2 });
    const results = [1, 2, 3, 4, 5, 6, 7].map((i) => commit.submit(i));
    await turn();
    assert.deepEqual(
      batches.map((b) => b.items),
      [
        [1, 2],
        [3, 4],
      ],
    );
    results.push(commit.submit(8));
    await turn();
    assert.equal(batches.length, 2, 'a third batch waits for a free slot');

    batch(batches, 0).finish();
    await until(() => batches.length === 3, 'a slot frees up');
    await turn();
    assert.equal(batches.length, 3);
    assert.deepEqual(batch(batches, 2).items, [5, 6]);

    batch(batches, 1).finish();
    await until(() => batches.length === 4, 'the other slot frees up');
    assert.deepEqual(batch(batches, 3).items, [7, 8]);
    batch(batches, 2).finish();
    batch(batches, 3).finish();
    assert.deepEqual(
      await Promise.all(results),
      [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `done ${i}`),
    );
    assert.equal(state.mostRunning, 2);
  });

  it('starts batches at once up to maxConcurrent when several are waiting', async () => {
    const { commit, batches, state } = harness({ maxBatch: 1, maxConcurrent: 3 });
    const results = [1, 2, 3, 4].map((i) => commit.submit(i));
    await turn();
    assert.deepEqual(
      batches.map((b) => b.items),
      [[1], [2], [3]],
    );
    for (const b of batches.slice()) b.finish();
    await until(() => batches.length === 4, 'the last batch starts');
    batch(batches, 3).finish();
    assert.deepEqual(await Promise.all(results), ['done 1', 'done 2', 'done 3', 'done 4']);
    assert.equal(state.mostRunning, 3);
  });
});
