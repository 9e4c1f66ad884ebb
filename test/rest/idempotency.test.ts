import assert from 'node:assert/strict';
import { birth } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

describe('REST notification ids: replay, reuse and status', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('returns the original result with Idempotent-Replayed for the same content, even reordered or re-offset', async () => {
    const first = await asClient(h).births(birth()).expect(201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const reordered = {
      mother: birth().mother,
      birth: birth().birth,
      // the same instant written in UTC
      child: {
        birthLengthCm: 50,
        birthWeightGrams: 3480,
        sex: 'female',
        birthDateTime: '2026-11-20T12:32:00Z',
      },
      notificationId: birth().notificationId,
    };
    const again = await asClient(h).births(reordered).expect(201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
  });

  it('refuses the same id with different content as NOTIFICATION_ID_REUSED', async () => {
    await asClient(h).births(birth()).expect(201);
    const res = await asClient(h)
      .births(birth({ child: { birthDateTime: '2026-11-20T14:32:00+02:00', sex: 'male' } }))
      .expect(422);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'NOTIFICATION_ID_REUSED');
  });

  it('keeps ids per client: another client may use the same id', async () => {
    await asClient(h).births(birth()).expect(201);
    const other = await asClient(h, CLIENTS.existing).births(birth()).expect(201);
    assert.equal(other.headers['idempotent-replayed'], undefined);
  });

  it('shows a client its own notification and hides it from others (NOTIFICATION_NOT_FOUND)', async () => {
    const created = await asClient(h).births(birth()).expect(201);
    const mine = await asClient(h).status('synnytys-2026-000123').expect(200);
    assertMatchesOpenApi(mine, '/v1/notifications/{notificationId}', 'get');
    assert.equal(mine.body.child.personalIdentityCode, created.body.child.personalIdentityCode);
    assert.equal(mine.body.status, 'registered');
    const theirs = await asClient(h, CLIENTS.existing).status('synnytys-2026-000123').expect(404);
    assertMatchesOpenApi(theirs, '/v1/notifications/{notificationId}', 'get');
    assert.equal(theirs.body.code, 'NOTIFICATION_NOT_FOUND');
  });

  it('replays a stored rejection with the same error', async () => {
    const body = birth({ mother: { personalIdentityCode: '010199-2247' } });
    await asClient(h).births(body).expect(422);
    // The mother is loaded afterwards: the stored answer stands for this id.
    await h
      .ops('post', '/ops/register/persons')
      .send([{ personalIdentityCode: '010199-2247' }])
      .expect(200);
    const again = await asClient(h).births(body).expect(422);
    assert.equal(again.body.code, 'PERSON_NOT_FOUND');
    assert.equal(again.headers['idempotent-replayed'], 'true');
  });
});
