import assert from 'node:assert/strict';
import { registrationKey } from '../../src/core/notifications/remote-delivery';
import { birthInput, hetu } from '../helpers/builders';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';
import { asClient, CLIENTS, type Harness, PERSONS, seedStandard, startHarness } from '../helpers/harness';
import { postJson } from '../helpers/listen';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';
import { type RegisterProcess, startRegisterProcess } from '../helpers/register-process';

/**
 * The gateway in front of a remote register: the reference register service
 * as its own process, behind a fault proxy of the test's that can make it
 * slow, failing or unreachable. The gateway is in-process on this run's store,
 * its clock the test's (so the outbox's schedule is the test's to move); the
 * breaker and the calls run on real time.
 */
/**
 * Long enough for a register that answers to be waited for on a loaded machine (its first registration
 * there, a cold process syncing its commit, has taken 0.7 s), short enough for the tests that wait it out.
 */
const TIMEOUT_MS = 2000;
const RESET_MS = 600;
const settings = (over: Record<string, string> = {}) => ({
  REGISTER_TIMEOUT_MS: String(TIMEOUT_MS),
  REGISTER_BREAKER_VOLUME: '3',
  REGISTER_BREAKER_ERROR_PERCENT: '50',
  REGISTER_BREAKER_RESET_MS: String(RESET_MS),
  OUTBOX_BACKOFF_BASE_MS: '1000',
  OUTBOX_BACKOFF_MAX_MS: '8000',
  ...over,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for `done`; the deadline only ends a test that fails. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !done(); await sleep(10)) {
    if (Date.now() > deadline) assert.fail(`${what} never came`);
  }
}

describe('a remote register behind the outbox and the circuit breaker', function () {
  this.timeout(120_000);
  let register: RegisterProcess;
  let proxy: FaultProxy;
  let h: Harness;

  before(async () => {
    register = await startRegisterProcess();
    await register.loadPersons([
      { personalIdentityCode: PERSONS.mother },
      { personalIdentityCode: PERSONS.mother2 },
      { personalIdentityCode: PERSONS.deceasedMother, deathDate: '2026-11-01' },
    ]);
    proxy = await startFaultProxy(register.url);
    // Its first batch compiles its schemas and warms its database: not within a test's 400 ms timeout.
    const warm = await postJson(`${register.url}/v1/batches`, { registrations: [{ key: 'warm-up-0' }] }, {});
    assert.equal(warm.body.results?.[0]?.status, 'invalid');
  });
  after(async () => {
    await proxy?.close();
    await register?.kill();
  });

  const start = async (over: Record<string, string> = {}) => {
    proxy.set({ mode: 'forward' });
    h = await startHarness({ env: { REGISTER_URL: proxy.url, ...settings(over) } });
    await seedStandard(h);
    return asClient(h, CLIENTS.rest);
  };
  const breakerState = async () => {
    const text = (await h.http.get('/metrics')).text;
    return /vtj_register_breaker_state\{state="([a-z-]+)"\} 1/.exec(text)?.[1];
  };
  const logged = (msg: string) =>
    h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
  const whichOf = (l: Record<string, unknown>) => [l.count, l.clientId, l.notificationId];
  const status = async (id: string) =>
    (await h.http.get(`/v1/notifications/${id}`).set('X-Road-Client', CLIENTS.rest).expect(200)).body;

  it("registers a birth through the register: 201 with the register's code, and a resend replays it", async () => {
    const api = await start();
    const body = birthInput();
    const first = await api.births(body).expect(201);
    assert.match(first.body.child.personalIdentityCode, /^211126A\d{3}[0-9A-Y]$/);
    const again = await api.births(body).expect(201);
    assert.equal(again.body.child.personalIdentityCode, first.body.child.personalIdentityCode);
    assert.equal(proxy.counts.forwarded > 0, true);
    assert.equal((await status(body.notificationId as string)).status, 'registered');
  });

  it("passes the register's refusals on as refusals, and they never open the circuit", async () => {
    const api = await start();
    // Known to the gateway's own tables (seedStandard) but not to the register: the register decides.
    for (let i = 0; i < 6; i++) {
      const res = await api.births(
        birthInput({ mother: i % 2 ? PERSONS.elderly : hetu('120385', '-', 246) }),
      );
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, 'PERSON_NOT_FOUND');
    }
    const dead = await api.births(birthInput({ mother: PERSONS.deceasedMother })).expect(409);
    assert.equal(dead.body.code, 'DEATH_BEFORE_BIRTH');
    assert.equal(await breakerState(), 'closed');
    await api.births(birthInput()).expect(201);
  });

  it('answers 202 at once when the register fails, opens after the threshold, fails fast, half-opens and closes', async () => {
    const api = await start();
    proxy.set({ mode: 'fail', status: 500 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = birthInput();
      ids.push(body.notificationId as string);
      const res = await api.births(body).expect(202);
      assert.equal(res.body.status, 'pending');
    }
    assert.equal(await breakerState(), 'open');
    const reached = proxy.counts.received;
    // While open, no call goes out: the register is not asked, the client is answered at once.
    for (let i = 0; i < 3; i++) {
      const body = birthInput();
      ids.push(body.notificationId as string);
      await api.births(body).expect(202);
    }
    assert.equal(proxy.counts.received, reached, 'no call reached the register while the circuit was open');
    for (const id of ids) assert.equal((await status(id)).status, 'pending');

    proxy.set({ mode: 'forward' });
    await sleep(RESET_MS + 200);
    assert.equal(await breakerState(), 'half-open');
    h.clock.advance(60_000); // every notification is due again
    let delivered = 0;
    for (let i = 0; i < 5 && delivered < ids.length; i++)
      delivered += await h.gateway.notifications.processPending(50);
    assert.equal(delivered, ids.length);
    assert.equal(await breakerState(), 'closed');
    const codes = [];
    for (const id of ids) {
      const s = await status(id);
      assert.equal(s.status, 'registered');
      codes.push(s.child.personalIdentityCode);
    }
    assert.equal(new Set(codes).size, ids.length, 'every child its own code');
    // The register holds each one once: asked again with the key, it gives the code it gave.
    const stored = await h.gateway.store.notifications.find(CLIENTS.rest, ids[0] as string);
    assert.ok(stored);
    const replay = await postJson(
      `${register.url}/v1/batches`,
      { registrations: [{ key: registrationKey(stored), sandbox: false, notification: stored.content }] },
      {},
    );
    assert.deepEqual([replay.body.results[0].childCode, replay.body.results[0].replayed], [codes[0], true]);
  });

  it('never keeps a client waiting past the timeout for a register that does not answer', async () => {
    const api = await start({ REGISTER_BREAKER_VOLUME: '1000' });
    proxy.set({ mode: 'hang' });
    const started = Date.now();
    const res = await api.births(birthInput()).expect(202);
    assert.equal(res.body.status, 'pending');
    // The bound is the timeout; the margin is for a loaded machine, far below "as long as the outage".
    assert.ok(Date.now() - started < TIMEOUT_MS + 5000, `answered after ${Date.now() - started} ms`);
  });

  it('asks the register after the commit: no notification waits behind a slow register for its turn', async () => {
    // A register slower than any timeout: each call hangs until the test lets go. Requests come one after
    // another, each sent once the one before has its call out. Had a batch's slot covered its call, the
    // fifth would wait for a slot (for a timeout of a minute) and its call would never come here.
    const api = await start({ REGISTER_TIMEOUT_MS: '60000', REGISTER_BREAKER_VOLUME: '1000' });
    proxy.set({ mode: 'hang' });
    const reached = proxy.counts.received;
    const bodies = Array.from({ length: 8 }, () => birthInput());
    const answers: Promise<{ status: number; body: { status?: string } }>[] = [];
    for (const [i, body] of bodies.entries()) {
      answers.push(api.births(body).then((r) => r));
      await until(() => proxy.counts.received >= reached + i + 1, `the call for birth ${i + 1}`);
    }
    // Every one is committed while every call still waits.
    for (const b of bodies) {
      const n = await h.gateway.store.notifications.find(CLIENTS.rest, b.notificationId as string);
      assert.equal(n?.status, 'pending');
    }
    proxy.set({ mode: 'forward' }); // the held calls are cut: every client is answered at once
    const res = await Promise.all(answers);
    assert.deepEqual(
      res.map((r) => [r.status, r.body.status]),
      bodies.map(() => [202, 'pending']),
    );
    h.clock.advance(600_000); // past the lease of a minute's calls
    assert.equal(await h.gateway.notifications.processPending(50), bodies.length);
  });

  it('hands a notification to the operators after the last attempt; its client still sees it pending', async () => {
    const api = await start({ REGISTER_BREAKER_VOLUME: '1000', OUTBOX_MAX_ATTEMPTS: '3' });
    proxy.set({ mode: 'fail', status: 503 });
    const body = birthInput();
    const id = body.notificationId as string;
    await api.births(body).expect(202);
    const attempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.clock.advance(60_000);
      await h.gateway.notifications.processPending(50);
      attempts.push((await h.gateway.store.notifications.find(CLIENTS.rest, id))?.delivery.attempts ?? -1);
    }
    assert.deepEqual(attempts, [2, 3, 3, 3], 'tried three times in all, then left alone');
    // Each outbox warning says how many and which, never what: no identity code.
    const warned = logged('register did not answer; notifications stay pending');
    assert.deepEqual(warned.map(whichOf), [
      [1, CLIENTS.rest, id],
      [1, CLIENTS.rest, id],
      [1, CLIENTS.rest, id],
    ]);
    assert.ok(!h.logLines.join('\n').includes(PERSONS.mother));
    const stored = await h.gateway.store.notifications.find(CLIENTS.rest, id);
    assert.ok(stored?.delivery.attentionSince, 'needs attention');
    assert.match(stored.delivery.lastError ?? '', /503/);
    assert.equal((await status(id)).status, 'pending');
    const metrics = (await h.http.get('/metrics')).text;
    assert.match(metrics, /vtj_outbox_needs_attention 1/);
    assert.match(metrics, /vtj_outbox_deliveries_total\{outcome="needs-attention"\} 1/);
  });

  it('counts an attempt only when a call went out: an open circuit defers without counting, the age limit holds', async () => {
    const api = await start({
      REGISTER_BREAKER_VOLUME: '1',
      REGISTER_BREAKER_RESET_MS: '600000',
      OUTBOX_MAX_ATTEMPTS: '3',
      OUTBOX_MAX_AGE_MS: '3600000',
    });
    proxy.set({ mode: 'fail', status: 503 });
    const body = birthInput();
    const id = body.notificationId as string;
    await api.births(body).expect(202); // one call, failed: the circuit opens
    assert.equal(await breakerState(), 'open');
    const reached = proxy.counts.received;
    const find = async () => {
      const n = await h.gateway.store.notifications.find(CLIENTS.rest, id);
      assert.ok(n);
      return n.delivery;
    };
    const seen: [number, boolean][] = [];
    for (let i = 0; i < 6; i++) {
      h.clock.advance(60_000);
      await h.gateway.notifications.processPending(50);
      const d = await find();
      assert.ok(d.nextAttemptAt && d.nextAttemptAt > h.clock.now(), 'rescheduled');
      seen.push([d.attempts, d.attentionSince !== null]);
    }
    assert.equal(proxy.counts.received, reached, 'no call went out while the circuit was open');
    assert.deepEqual(seen, Array(6).fill([1, false]), 'claimed six times, one attempt counted');
    assert.match((await find()).lastError ?? '', /503/, "the last call's error stands");
    // Pending longer than OUTBOX_MAX_AGE_MS: an operator's, attempts or not.
    h.clock.advance(3_600_000);
    await h.gateway.notifications.processPending(50);
    const d = await find();
    assert.deepEqual([d.attempts, d.attentionSince !== null], [1, true]);
    assert.match((await h.http.get('/metrics')).text, /vtj_outbox_deliveries_total\{outcome="deferred"\} 6/);
  });

  it('leaves a notification the register refuses for good to the operators at once; the rest of its batch registers', async () => {
    const api = await start({ REGISTER_BREAKER_VOLUME: '1000' });
    proxy.set({ mode: 'fail', status: 503 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = birthInput();
      ids.push(body.notificationId as string);
      await api.births(body).expect(202);
    }
    const [first, second] = await Promise.all(
      ids.slice(0, 2).map((id) => h.gateway.store.notifications.find(CLIENTS.rest, id)),
    );
    assert.ok(first && second);
    // The register took the first one's key before, with another notification.
    const taken = await postJson(
      `${register.url}/v1/batches`,
      { registrations: [{ key: registrationKey(first), sandbox: false, notification: second.content }] },
      {},
    );
    assert.equal(taken.body.results[0].status, 'registered');

    proxy.set({ mode: 'forward' });
    const calls = proxy.counts.forwarded;
    h.clock.advance(60_000);
    assert.equal(await h.gateway.notifications.processPending(50), 2, 'the other two registered');
    assert.equal(proxy.counts.forwarded, calls + 1, 'in one call');
    for (const id of ids.slice(1)) assert.equal((await status(id)).status, 'registered');
    const refused = await h.gateway.store.notifications.find(CLIENTS.rest, ids[0] as string);
    assert.equal(refused?.status, 'pending');
    assert.ok(refused?.delivery.attentionSince, 'needs attention at once');
    assert.deepEqual(logged('register refused notifications; they need attention').map(whichOf), [
      [1, CLIENTS.rest, ids[0]],
    ]);
    assert.match(refused?.delivery.lastError ?? '', /KEY_REUSED.*another notification/);
    h.clock.advance(60_000);
    assert.equal(await h.gateway.notifications.processPending(50), 0);
    assert.equal(proxy.counts.forwarded, calls + 1, 'not sent again by itself');
  });

  it('sends a request the register refuses as a whole (4xx) no more: its notifications need attention at once', async () => {
    const api = await start({ REGISTER_BREAKER_VOLUME: '1000' });
    proxy.set({ mode: 'fail', status: 400 });
    const body = birthInput();
    await api.births(body).expect(202);
    const reached = proxy.counts.received;
    const stored = await h.gateway.store.notifications.find(CLIENTS.rest, body.notificationId as string);
    assert.ok(stored?.delivery.attentionSince, 'needs attention at once');
    assert.equal(stored.delivery.attempts, 1);
    assert.match(stored.delivery.lastError ?? '', /HTTP 400 INJECTED/);
    h.clock.advance(60_000);
    await h.gateway.notifications.processPending(50);
    assert.equal(proxy.counts.received, reached, 'not sent again');
  });

  it('counts the outbox in /metrics: depth, oldest age, call latency', async () => {
    const api = await start({ REGISTER_BREAKER_VOLUME: '1000' });
    await api.births(birthInput()).expect(201);
    proxy.set({ mode: 'refuse' });
    await api.births(birthInput()).expect(202);
    h.clock.advance(30_000);
    const metrics = (await h.http.get('/metrics')).text;
    assert.match(metrics, /vtj_outbox_pending 1/);
    assert.match(metrics, /vtj_outbox_oldest_pending_age_seconds 30/);
    assert.match(metrics, /vtj_register_call_duration_seconds_count\{outcome="answered"\} 1/);
    assert.match(metrics, /vtj_register_call_duration_seconds_count\{outcome="failed"\} 1/);
  });

  describe('operators and the outbox', () => {
    const stuck = async (over: Record<string, string> = {}) => {
      const api = await start({ REGISTER_BREAKER_VOLUME: '1000', OUTBOX_MAX_ATTEMPTS: '1', ...over });
      proxy.set({ mode: 'fail', status: 503 });
      const body = birthInput();
      await api.births(body).expect(202);
      return {
        api,
        id: body.notificationId as string,
        key: { clientId: CLIENTS.rest, notificationId: body.notificationId as string },
      };
    };
    const path = (id: string, action: string) =>
      `/ops/outbox/${encodeURIComponent(CLIENTS.rest)}/${id}/${action}`;

    it('shows what needs attention, without its content; a retry once the register is back registers it', async () => {
      const { id } = await stuck();
      const listed = await h.ops('get', '/ops/outbox').expect(200);
      assert.deepEqual(listed.body.register, { kind: 'remote', breaker: 'closed' });
      assert.deepEqual(
        listed.body.needsAttention.map((e: { notificationId: string }) => e.notificationId),
        [id],
      );
      assert.ok(!listed.text.includes(PERSONS.mother), 'no identity code in the operator view');
      const page = await h.ops('get', '/ops/outbox').set('Accept', 'text/html').expect(200);
      assert.match(page.text, new RegExp(`data-notification="${id}"`));
      assert.match(
        (await h.ops('get', '/ops/').set('Accept', 'text/html')).text,
        /1 notification needs attention/,
      );

      proxy.set({ mode: 'forward' });
      const retried = await h.ops('post', path(id, 'retry')).expect(200);
      assert.deepEqual([retried.body.attempts, retried.body.needsAttentionSince], [0, null]);
      assert.equal(await h.gateway.notifications.processPending(50), 1);
      assert.equal((await status(id)).status, 'registered');
      await h.ops('post', path(id, 'retry')).expect(409);
      const trail = (await h.ops('get', `/ops/clients/${encodeURIComponent(CLIENTS.rest)}`)).body.audit;
      assert.ok(
        trail.some(
          (a: { action: string; details: { notificationId?: string } }) =>
            a.action === 'notification.retry' && a.details.notificationId === id,
        ),
      );
    });

    it('retries every notification needing attention at once, of one client or all, each audited', async () => {
      const api = await start({ REGISTER_BREAKER_VOLUME: '1000', OUTBOX_MAX_ATTEMPTS: '1' });
      proxy.set({ mode: 'fail', status: 503 });
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const body = birthInput();
        ids.push(body.notificationId as string);
        await api.births(body).expect(202);
      }
      await asClient(h, CLIENTS.sandbox)
        .births(birthInput({ mother: PERSONS.sandboxMother }))
        .expect(202);
      const counts = async () => (await h.ops('get', '/ops/outbox').expect(200)).body.counts;
      assert.deepEqual(await counts(), { needsAttention: 3, pending: 0 });

      const unknown = await h
        .ops('post', '/ops/outbox/retry?clientId=FI%2FGOV%2F0000000-0%2Fnone')
        .expect(404);
      assert.equal(unknown.body.code, 'CLIENT_NOT_FOUND');
      const one = await h
        .ops('post', `/ops/outbox/retry?clientId=${encodeURIComponent(CLIENTS.rest)}`)
        .expect(200);
      assertMatchesOpenApi(one, '/ops/outbox/retry', 'post');
      assert.deepEqual(one.body, { retried: 2 });
      assert.deepEqual(await counts(), { needsAttention: 1, pending: 2 });
      assert.deepEqual((await h.ops('post', '/ops/outbox/retry').expect(200)).body, { retried: 1 });
      assert.deepEqual(await counts(), { needsAttention: 0, pending: 3 });

      proxy.set({ mode: 'forward' });
      assert.equal(await h.gateway.notifications.processPending(50), 3);
      for (const id of ids) assert.equal((await status(id)).status, 'registered');
      const trail = (await h.ops('get', `/ops/clients/${encodeURIComponent(CLIENTS.rest)}`)).body.audit;
      assert.deepEqual(
        trail
          .filter((a: { action: string }) => a.action === 'notification.retry')
          .map((a: { details: { notificationId: string; bulk: boolean } }) => [
            a.details.notificationId,
            a.details.bulk,
          ])
          .sort(),
        ids.map((id) => [id, true]).sort(),
      );
    });

    it('counts what waits in the database: the dashboard says 205 where the list shows the oldest 200', async () => {
      const api = await start({ REGISTER_BREAKER_VOLUME: '1000', OUTBOX_MAX_ATTEMPTS: '1' });
      proxy.set({ mode: 'refuse' });
      const answers = await Promise.all(Array.from({ length: 205 }, () => api.births(birthInput())));
      assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([202]));
      const json = (await h.ops('get', '/ops/outbox').expect(200)).body;
      assert.deepEqual([json.counts.needsAttention, json.needsAttention.length], [205, 200]);
      const dashboard = await h.ops('get', '/ops/').set('Accept', 'text/html').expect(200);
      assert.match(dashboard.text, /205 notifications need attention<\/a>, 0 pending/);
      const page = await h.ops('get', '/ops/outbox').set('Accept', 'text/html').expect(200);
      assert.match(page.text, /205 notifications need attention/);
      assert.match(page.text, /the oldest 200 of 205/);
    });

    it('withdraws at the register: never registered, and a late delivery of it cannot register it', async () => {
      const { id, key } = await stuck();
      proxy.set({ mode: 'forward' });
      const closed = await h.ops('post', path(id, 'withdraw')).expect(200);
      assert.deepEqual(
        [closed.body.status, closed.body.rejectionCode],
        ['rejected', 'REGISTRATION_WITHDRAWN'],
      );
      const seen = await status(id);
      assert.equal(seen.status, 'rejected');
      const stored = await h.gateway.store.notifications.find(key.clientId, key.notificationId);
      assert.ok(stored);
      const late = await postJson(
        `${register.url}/v1/batches`,
        { registrations: [{ key: registrationKey(stored), sandbox: false, notification: stored.content }] },
        {},
      );
      assert.equal(late.body.results[0].rejection.code, 'REGISTRATION_WITHDRAWN');
    });

    it("records the register's own answer when it had registered the notification after all", async () => {
      const api = await start({ REGISTER_BREAKER_VOLUME: '1000' });
      // The register takes it, but its answer comes after the gateway stopped waiting.
      proxy.set({ mode: 'slow', delayMs: TIMEOUT_MS + 300 });
      const body = birthInput();
      await api.births(body).expect(202);
      await sleep(600);
      proxy.set({ mode: 'forward' });
      const closed = await h.ops('post', path(body.notificationId as string, 'withdraw')).expect(200);
      assert.equal(closed.body.status, 'registered');
      const seen = await status(body.notificationId as string);
      assert.match(seen.child.personalIdentityCode, /^211126A/);
    });

    it('refuses to withdraw while the register does not answer: 503 REGISTER_UNAVAILABLE, nothing changes', async () => {
      const { id } = await stuck();
      proxy.set({ mode: 'refuse' });
      const res = await h.ops('post', path(id, 'withdraw')).expect(503);
      assert.equal(res.body.code, 'REGISTER_UNAVAILABLE');
      assert.equal((await status(id)).status, 'pending');
    });
  });
});
