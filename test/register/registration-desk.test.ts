import assert from 'node:assert/strict';
import request from 'supertest';
import { validateBirth } from '../../src/core/notifications/birth';
import { validateDeath } from '../../src/core/notifications/death';
import { RegistrationDesk } from '../../src/core/register/registration-desk';
import { schemaValidator } from '../../src/http/openapi';
import { createRegisterApp } from '../../src/register-service/register-app';
import type { MemoryStore } from '../core/fakes/memory-store';
import { world } from '../core/notifications/world';
import { birthInput, deathInput } from '../helpers/builders';
import { fixedClock } from '../helpers/clock';

const NOW = new Date('2026-11-23T10:00:00Z');
const MOTHER = '131052-308T';
const ctx = { now: NOW, sandbox: false };
const birth = (id: string, mother = MOTHER) => validateBirth(birthInput({ id, mother }), ctx);

describe('the register desk: registrations by idempotency key (openapi/register.yaml)', () => {
  let store: MemoryStore;
  let desk: RegistrationDesk;
  /** Persons in the register before a case: each case counts what it added. */
  let loaded = 0;
  beforeEach(async () => {
    // The core suite's world: its mothers loaded into a fresh in-memory store.
    store = (await world()).store;
    loaded = store.allPersons().length;
    desk = new RegistrationDesk({ store, clock: fixedClock(NOW) });
  });

  it('registers a birth once: the same key again gets the first answer, replayed', async () => {
    const [first] = await desk.register([{ key: 'key-00000001', sandbox: false, content: birth('b-1') }]);
    assert.ok(first && 'answer' in first && 'childCode' in first.answer && first.answer.childCode);
    assert.equal(first.replayed, false);
    const [again] = await desk.register([{ key: 'key-00000001', sandbox: false, content: birth('b-1') }]);
    assert.deepEqual(again, { ...first, replayed: true });
    assert.equal(
      store.allPersons().length - loaded,
      1,
      'one child in the register, however often the key came',
    );
  });

  it('refuses a key given again with another notification, and registers nothing for it', async () => {
    await desk.register([{ key: 'key-00000001', sandbox: false, content: birth('b-1') }]);
    const [other] = await desk.register([{ key: 'key-00000001', sandbox: false, content: birth('b-2') }]);
    assert.deepEqual(other, { key: 'key-00000001', conflict: true });
    const [inBatch, twin] = await desk.register([
      { key: 'key-00000002', sandbox: false, content: birth('b-3') },
      { key: 'key-00000002', sandbox: false, content: birth('b-4') },
    ]);
    assert.ok(inBatch && 'answer' in inBatch);
    assert.deepEqual(twin, { key: 'key-00000002', conflict: true });
    assert.equal(store.allPersons().length - loaded, 2, 'two children');
  });

  it('answers a refusal as an answer, with the catalogue code, and keeps it for the key', async () => {
    const unknown = birth('b-1', '120385-2461');
    const [refused] = await desk.register([{ key: 'key-00000003', sandbox: false, content: unknown }]);
    assert.ok(refused && 'answer' in refused && 'rejection' in refused.answer);
    assert.equal(refused.answer.rejection.code, 'PERSON_NOT_FOUND');
    await store.loadPersons([
      {
        personalIdentityCode: '120385-2461',
        birthDate: '1990-05-15',
        sex: 'female',
        temporary: false,
        deathDate: null,
      },
    ]);
    const [again] = await desk.register([{ key: 'key-00000003', sandbox: false, content: unknown }]);
    assert.deepEqual(again, { ...refused, replayed: true }, 'the first answer stands');
  });

  it('takes a batch in order: a death after a birth of the same day sees it', async () => {
    const death = validateDeath(
      deathInput({
        id: 'd-1',
        person: MOTHER,
        date: '2026-11-22',
        determinedAt: '2026-11-22T15:00:00+02:00',
      }),
      ctx,
    );
    const answers = await desk.register([
      { key: 'key-00000004', sandbox: false, content: birth('b-1') },
      { key: 'key-00000005', sandbox: false, content: death },
      { key: 'key-00000006', sandbox: false, content: death },
    ]);
    assert.ok(answers[0] && 'answer' in answers[0] && 'childCode' in answers[0].answer);
    assert.deepEqual(answers[1], { key: 'key-00000005', answer: { childCode: null }, replayed: false });
    const third = answers[2];
    assert.ok(third && 'answer' in third && 'rejection' in third.answer);
    assert.equal(third.answer.rejection.code, 'ALREADY_DECEASED');
  });
});

describe('the register service over HTTP: every registration of a batch answered in its place', () => {
  const batchResult = schemaValidator('BatchResult', 'register');
  const wire = (key: string, content: unknown) => ({
    key,
    sandbox: false,
    notification: JSON.parse(JSON.stringify(content)),
  });
  let http: ReturnType<typeof request>;
  let store: MemoryStore;
  let loaded = 0;
  beforeEach(async () => {
    store = (await world()).store;
    loaded = store.allPersons().length;
    const desk = new RegistrationDesk({ store, clock: fixedClock(NOW) });
    http = request(createRegisterApp({ desk, store, ready: async () => true, onError: () => {} }));
  });

  it('answers a reused key and a malformed registration in their places, and registers the others', async () => {
    await http
      .post('/v1/batches')
      .send({ registrations: [wire('key-00000001', birth('b-1'))] })
      .expect(200);
    const { mother: _dropped, ...motherless } = JSON.parse(JSON.stringify(birth('b-4')));
    const res = await http
      .post('/v1/batches')
      .send({
        registrations: [
          wire('key-00000001', birth('b-2')), // the key of b-1, with another notification
          wire('key-00000002', birth('b-3')),
          { key: 'key-00000003', sandbox: false, notification: motherless },
          'not a registration',
        ],
      })
      .expect(200);
    const valid = batchResult();
    assert.equal(valid(res.body), true, JSON.stringify(valid.errors));
    const [reused, fresh, invalid, junk] = res.body.results;
    assert.deepEqual(
      [reused.key, reused.status, reused.problem.code],
      ['key-00000001', 'conflict', 'KEY_REUSED'],
    );
    assert.equal(fresh.status, 'registered');
    assert.match(fresh.childCode, /^211126A\d{3}[0-9A-Y]$/);
    assert.deepEqual(
      [invalid.key, invalid.status, invalid.problem.code],
      ['key-00000003', 'invalid', 'INVALID_REGISTRATION'],
    );
    assert.ok(invalid.problem.errors.length > 0);
    assert.deepEqual([junk.key, junk.status], [null, 'invalid']);
    assert.equal(store.allPersons().length - loaded, 2, 'b-1 and b-3 only');
  });

  it('refuses a request that is no batch at all as a whole (400)', async () => {
    const res = await http.post('/v1/batches').send({ registrations: [] }).expect(400);
    assert.equal(res.body.code, 'BAD_REQUEST');
    await http.post('/v1/batches').send({ items: [] }).expect(400);
  });
});
