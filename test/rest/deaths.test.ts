import assert from 'node:assert/strict';
import { birth, death } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

describe('REST POST /v1/deaths', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('registers the contract example death', async () => {
    const res = await asClient(h).deaths(death()).expect(201);
    assertMatchesOpenApi(res, '/v1/deaths', 'post');
    assert.equal(res.body.status, 'registered');
    assert.equal(res.body.type, 'death');
    assert.equal(res.body.child, undefined);
  });

  it('accepts an estimated month and an estimated year', async () => {
    await asClient(h)
      .deaths(death({ death: { date: '2026-10', dateAccuracy: 'estimated', municipalityCode: '091' } }))
      .expect(201);
    const other = death(
      {
        deceased: { personalIdentityCode: PERSONS.mother2 },
        death: { date: '2026', dateAccuracy: 'estimated', municipalityCode: '049' },
        determination: { physicianId: '123456789', determinedAt: '2026-11-22T09:00:00+02:00' },
      },
      'k-2',
    );
    await asClient(h).deaths(other).expect(201);
  });

  it('refuses a second death of the same person with ALREADY_DECEASED', async () => {
    await asClient(h).deaths(death()).expect(201);
    const res = await asClient(h).deaths(death({}, 'kuolema-again')).expect(409);
    assertMatchesOpenApi(res, '/v1/deaths', 'post');
    assert.equal(res.body.code, 'ALREADY_DECEASED');
  });

  it('refuses a death dated before the person’s birth with DEATH_BEFORE_BIRTH', async () => {
    const res = await asClient(h)
      .deaths(
        death({
          deceased: { personalIdentityCode: PERSONS.mother2 }, // born 1990-05-15
          death: { date: '1990-04', dateAccuracy: 'estimated', municipalityCode: '091' },
          determination: { physicianId: '123456789', determinedAt: '2026-11-19T15:00:00+02:00' },
        }),
      )
      .expect(409);
    assert.equal(res.body.code, 'DEATH_BEFORE_BIRTH');
    assert.equal(res.body.errors[0].field, 'death.date');
  });

  it('refuses a mother’s death dated before the registered birth of her child with DEATH_BEFORE_BIRTH', async () => {
    await asClient(h).births(birth()).expect(201); // born 2026-11-20 to PERSONS.mother
    const mothersDeath = (date: string, id: string) =>
      death(
        {
          deceased: { personalIdentityCode: PERSONS.mother },
          death: { date, dateAccuracy: 'exact', municipalityCode: '091' },
          determination: { physicianId: '123456789', determinedAt: '2026-11-22T09:00:00+02:00' },
        },
        id,
      );
    const res = await asClient(h).deaths(mothersDeath('2026-11-19', 'k-before')).expect(409);
    assertMatchesOpenApi(res, '/v1/deaths', 'post');
    assert.equal(res.body.code, 'DEATH_BEFORE_BIRTH');
    assert.deepEqual(res.body.errors, [
      {
        field: 'death.date',
        code: 'DEATH_BEFORE_BIRTH',
        message: 'is before the registered birth of a child of this person',
      },
    ]);
    await asClient(h).deaths(mothersDeath('2026-11-20', 'k-same-day')).expect(201);
  });

  it('refuses an unknown person with PERSON_NOT_FOUND', async () => {
    const res = await asClient(h)
      .deaths(death({ deceased: { personalIdentityCode: '010199-2247' } }))
      .expect(422);
    assert.equal(res.body.code, 'PERSON_NOT_FOUND');
  });

  it('refuses a future date, a bad accuracy combination and a bad physician id', async () => {
    const res = await asClient(h)
      .deaths(
        death({
          death: { date: '2026-11-24', dateAccuracy: 'exact', municipalityCode: '091' },
          determination: { physicianId: 'DR-1', determinedAt: '2026-11-19T15:00:00+02:00' },
        }),
      )
      .expect(400);
    const got = Object.fromEntries(
      res.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
    );
    assert.deepEqual(got, {
      'death.date': 'FUTURE_DATE',
      'determination.physicianId': 'INVALID_FORMAT',
      'determination.determinedAt': 'OUT_OF_RANGE',
    });
    const partial = await asClient(h)
      .deaths(death({ death: { date: '2026-11', dateAccuracy: 'exact', municipalityCode: '091' } }))
      .expect(400);
    assert.equal(partial.body.errors[0].code, 'INVALID_FORMAT');
  });

  it('refuses a temporary code from a production client, accepts it from a sandbox client', async () => {
    const body = death({ deceased: { personalIdentityCode: PERSONS.temporary } });
    const refused = await asClient(h).deaths(body).expect(422);
    assert.equal(refused.body.code, 'TEMPORARY_CODE_NOT_ALLOWED');
    await asClient(h, CLIENTS.sandbox).deaths(body).expect(201);
  });
});
