import assert from 'node:assert/strict';
import { parseHetu } from '../../src/core/hetu/hetu';
import { birth } from '../helpers/builders';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';

describe('REST POST /v1/births', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedStandard(h);
  });

  it('registers a live birth and returns the child code dated by the Helsinki calendar day', async () => {
    // 23:30 UTC on the 20th is 01:30 on the 21st in Helsinki.
    const body = birth({ child: { birthDateTime: '2026-11-20T23:30:00Z', sex: 'female' } });
    const res = await asClient(h).births(body).expect(201);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.headers.location, '/v1/notifications/synnytys-2026-000123');
    assert.equal(res.body.status, 'registered');
    assert.equal(res.body.channel, 'rest');
    const code = res.body.child.personalIdentityCode as string;
    assert.match(code, /^211126A002.$/);
    const parsed = parseHetu(code);
    assert.ok(parsed.ok);
    assert.equal(parsed.hetu.sex, 'female');
  });

  it('gives boys odd and girls even individual numbers, in order, and puts the child in the register', async () => {
    const codes: string[] = [];
    for (const [i, sex] of (['male', 'female', 'male', 'female'] as const).entries()) {
      const res = await asClient(h)
        .births(birth({ child: { birthDateTime: '2026-11-20T10:00:00+02:00', sex } }, `n-${i}`))
        .expect(201);
      codes.push(res.body.child.personalIdentityCode);
    }
    assert.deepEqual(
      codes.map((c) => c.slice(0, 10)),
      ['201126A003', '201126A002', '201126A005', '201126A004'],
    );
    // The child now exists: a death can be registered for it.
    const deathRes = await asClient(h).deaths({
      notificationId: 'child-death',
      deceased: { personalIdentityCode: codes[0] },
      death: { date: '2026-11-21', dateAccuracy: 'exact', municipalityCode: '091' },
      determination: { physicianId: '123456789', determinedAt: '2026-11-21T10:00:00+02:00' },
    });
    assert.equal(deathRes.status, 201);
  });

  it('assigns sandbox clients temporary 900-range codes for their test mothers', async () => {
    const res = await asClient(h, CLIENTS.sandbox)
      .births(birth({ mother: { personalIdentityCode: PERSONS.sandboxMother } }))
      .expect(201);
    assert.match(res.body.child.personalIdentityCode, /^201126A900.$/);
  });

  it('refuses a stillbirth with STILLBIRTH_NOT_REGISTRABLE and stores nothing', async () => {
    const body = birth({ birth: { municipalityCode: '091', liveBorn: false } });
    const res = await asClient(h).births(body).expect(422);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'STILLBIRTH_NOT_REGISTRABLE');
    assert.deepEqual(
      res.body.errors.map((e: { field: string }) => e.field),
      ['birth.liveBorn'],
    );
    await asClient(h).status('synnytys-2026-000123').expect(404);
  });

  it('refuses a temporary mother code from a production client with TEMPORARY_CODE_NOT_ALLOWED', async () => {
    const res = await asClient(h)
      .births(birth({ mother: { personalIdentityCode: PERSONS.temporary } }))
      .expect(422);
    assert.equal(res.body.code, 'TEMPORARY_CODE_NOT_ALLOWED');
    assert.equal(res.body.errors[0].field, 'mother.personalIdentityCode');
  });

  it('refuses a mother missing from the register with PERSON_NOT_FOUND and stores the rejection', async () => {
    const res = await asClient(h)
      .births(birth({ mother: { personalIdentityCode: '010199-2247' } }))
      .expect(422);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'PERSON_NOT_FOUND');
    const status = await asClient(h).status('synnytys-2026-000123').expect(200);
    assert.equal(status.body.status, 'rejected');
    assert.equal(status.body.rejection.code, 'PERSON_NOT_FOUND');
  });

  it('does not show a sandbox client permanent persons (PERSON_NOT_FOUND)', async () => {
    const res = await asClient(h, CLIENTS.sandbox).births(birth()).expect(422);
    assert.equal(res.body.code, 'PERSON_NOT_FOUND');
  });

  it('refuses a birth after the mother’s registered death with DEATH_BEFORE_BIRTH', async () => {
    const res = await asClient(h)
      .births(birth({ mother: { personalIdentityCode: PERSONS.deceasedMother } }))
      .expect(409);
    assert.equal(res.body.code, 'DEATH_BEFORE_BIRTH');
    assert.equal(res.body.errors[0].field, 'mother.personalIdentityCode');
  });

  it('refuses a future birth with FUTURE_DATE on child.birthDateTime', async () => {
    const res = await asClient(h)
      .births(birth({ child: { birthDateTime: '2026-11-23T12:00:01+02:00', sex: 'male' } }))
      .expect(400);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.errors, [
      { field: 'child.birthDateTime', code: 'FUTURE_DATE', message: 'must not be in the future' },
    ]);
  });

  it('lists every invalid field at once, with its path and reason', async () => {
    const res = await asClient(h)
      .births(
        birth({
          child: { birthDateTime: '2026-02-30T10:00:00+02:00', sex: 'female', birthWeightGrams: 9000 },
          birth: { municipalityCode: '91', liveBorn: true, facilityOid: 'not-an-oid' },
          mother: { personalIdentityCode: '131052-308U' },
        }),
      )
      .expect(400);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    const got = Object.fromEntries(
      res.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]),
    );
    assert.deepEqual(got, {
      'child.birthDateTime': 'INVALID_DATE',
      'child.birthWeightGrams': 'OUT_OF_RANGE',
      'birth.municipalityCode': 'INVALID_FORMAT',
      'birth.facilityOid': 'INVALID_FORMAT',
      'mother.personalIdentityCode': 'INVALID_CHECK_CHARACTER',
    });
  });

  it('lists the schema’s findings and the core’s together: a bad sex, a future date, a bad municipality and check character', async () => {
    const res = await asClient(h)
      .births(
        birth({
          child: { birthDateTime: '2026-11-24T10:00:00+02:00', sex: 'unknown' },
          birth: { municipalityCode: '91', liveBorn: true },
          mother: { personalIdentityCode: '131052-308U' },
        }),
      )
      .expect(400);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    const got = res.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(got, [
      'birth.municipalityCode:INVALID_FORMAT',
      'child.birthDateTime:FUTURE_DATE',
      'child.sex:INVALID_VALUE',
      'mother.personalIdentityCode:INVALID_CHECK_CHARACTER',
    ]);
    assert.equal(
      res.body.detail,
      `4 fields are invalid: ${res.body.errors.map((e: { field: string }) => e.field).join(', ')}`,
    );
  });

  it('reports missing members, unknown members and wrong types from the OpenAPI schema', async () => {
    const res = await asClient(h)
      .births({ notificationId: 'x1', child: { sex: 'female', colour: 'red' }, birth: 'here', mother: {} })
      .expect(400);
    const got = res.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`).sort();
    assert.deepEqual(got, [
      'birth:INVALID_TYPE',
      'child.birthDateTime:REQUIRED',
      'child.colour:UNKNOWN_FIELD',
      'mother.personalIdentityCode:REQUIRED',
    ]);
  });
});

describe('REST POST /v1/births when a day’s codes are used up', () => {
  it('answers IDENTITY_CODES_EXHAUSTED once every sign’s series for the day and sex is used up', async () => {
    const h = await startHarness();
    await seedStandard(h);
    // The girls' series of 2026-11-20 stands at its very last code, F898.
    await h.db.query(
      "INSERT INTO code_series (birth_date, pool, parity, sign_index, last_number) VALUES ('2026-11-20', 'permanent', 0, 5, 898)",
    );
    const res = await asClient(h).births(birth()).expect(503);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.code, 'IDENTITY_CODES_EXHAUSTED');
    // Boys of the same day are unaffected.
    const boy = await asClient(h)
      .births(birth({ child: { birthDateTime: '2026-11-20T14:32:00+02:00', sex: 'male' } }, 'boy-1'))
      .expect(201);
    assert.match(boy.body.child.personalIdentityCode, /^201126A003.$/);
  });
});
