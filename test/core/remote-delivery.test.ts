import assert from 'node:assert/strict';
import type { StoredNotification } from '../../src/core/notifications/notification';
import { RemoteDelivery } from '../../src/core/notifications/remote-delivery';
import { pendingBirthRow } from '../helpers/builders';
import { fixedClock } from '../helpers/clock';
import { MemoryStore } from './fakes/memory-store';
import { recordingLogger } from './notifications/world';

/**
 * Two instances can hold the same pending notification when the first one's
 * lease ran out while its call to the register was under way: both get the
 * register's one answer (the idempotency key), and the first to record it
 * wins. The other must tell its client what is stored — not the same code at
 * its own time.
 */
describe('remote delivery: what a client is told is what is stored', () => {
  it('answers with the stored registration when another instance recorded the answer first', async () => {
    const store = new MemoryStore();
    const first = new Date('2026-11-23T10:00:05Z');
    const later = new Date('2026-11-23T10:00:09Z');
    const row = pendingBirthRow(
      'FI/GOV/1/x',
      'lease-race-1',
      '131052-308T',
      new Date('2026-11-23T10:00:00Z'),
    );
    const [pending] = await store.transaction((tx) => tx.notifications.insertMany([row]));
    const answer = { childCode: '201126A902B' };
    // The other instance, whose call went out later but was answered and recorded first.
    await store.transaction((tx) =>
      tx.notifications.recordAnswers(
        [{ clientId: row.clientId, notificationId: row.notificationId, answer }],
        first,
      ),
    );

    const delivery = new RemoteDelivery({
      store,
      remote: { register: async (items) => items.map(() => answer), withdraw: async () => [] },
      guard: { run: (fn) => fn() },
      clock: fixedClock(later),
      logger: recordingLogger([]),
      policy: { maxAttempts: 3, maxAgeMs: 60_000, backoffBaseMs: 1000, backoffMaxMs: 8000, leaseMs: 5000 },
    });
    const [told] = await delivery.offer([pending as StoredNotification]);
    const stored = await store.notifications.find(row.clientId, row.notificationId);
    assert.equal(told?.status, 'registered');
    assert.equal(told?.childCode, answer.childCode);
    assert.deepEqual(told?.registeredAt, stored?.registeredAt);
    assert.deepEqual(told?.registeredAt, first);
  });
});
