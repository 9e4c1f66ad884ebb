import assert from 'node:assert/strict';
import { birthInput } from '../../helpers/builders';
import { OTHER, PRODUCTION, rejectedWith, submitBirth, type World, world } from './world';

describe('NotificationService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  describe('status', () => {
    it('returns the client’s own notification', async () => {
      const input = birthInput();
      const { record } = await submitBirth(w, input);
      assert.deepEqual(await w.service.status(PRODUCTION, input.notificationId as string), record);
    });

    it('does not show another client’s notification: NOTIFICATION_NOT_FOUND', async () => {
      const input = birthInput();
      await submitBirth(w, input);
      const e = await rejectedWith(w.service.status(OTHER, input.notificationId as string));
      assert.equal(e.code, 'NOTIFICATION_NOT_FOUND');
      assert.deepEqual(
        e.fieldErrors.map((f) => [f.field, f.code]),
        [['notificationId', 'NOTIFICATION_NOT_FOUND']],
      );
    });

    it('NOTIFICATION_NOT_FOUND for an id never used', async () => {
      const e = await rejectedWith(w.service.status(PRODUCTION, 'never-used'));
      assert.equal(e.code, 'NOTIFICATION_NOT_FOUND');
    });
  });
});
