import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import type { RegisterGuard } from '../../src/core/ports';
import { openDatabase } from '../../src/gateway';
import { createLogger } from '../../src/infra/logger';
import { birth, death } from '../helpers/builders';
import { asClient, type Harness, OPS_TOKEN, seedStandard, startHarness } from '../helpers/harness';
import { assertMatchesOpenApi } from '../helpers/openapi-contract';
import { newTempDir, usingRealPostgres } from '../helpers/test-db';

describe('durability: pending notifications and restarts', () => {
  it('answers 202 pending while the register fails, and registers the notification later', async () => {
    let registerDown = true;
    const guard: RegisterGuard = {
      run: (fn) => (registerDown ? Promise.reject(new Error('register unreachable')) : fn()),
    };
    const h = await startHarness({ guard });
    await seedStandard(h);
    const res = await asClient(h).births(birth()).expect(202);
    assertMatchesOpenApi(res, '/v1/births', 'post');
    assert.equal(res.body.status, 'pending');
    assert.equal(res.body.child, undefined);
    assert.equal(res.headers.location, '/v1/notifications/synnytys-2026-000123');
    const dres = await asClient(h).deaths(death()).expect(202);
    assert.equal(dres.body.status, 'pending');

    // A retry while still pending is a replay, still 202.
    const again = await asClient(h).births(birth()).expect(202);
    assert.equal(again.headers['idempotent-replayed'], 'true');

    registerDown = false;
    assert.equal(await h.gateway.notifications.processPending(), 2);
    const status = await asClient(h).status('synnytys-2026-000123').expect(200);
    assert.equal(status.body.status, 'registered');
    assert.match(status.body.child.personalIdentityCode, /^201126A002.$/);
    const replay = await asClient(h).births(birth()).expect(201);
    assert.equal(replay.body.child.personalIdentityCode, status.body.child.personalIdentityCode);
  });

  it('keeps idempotency across a restart of the process (the database reopened from disk)', async () => {
    // On PostgreSQL "restart" is a new pool; on PGlite it is a new instance over the same data directory.
    const env = { ...process.env, OPS_TOKEN, LOG_LEVEL: 'silent', DATA_DIR: newTempDir() };
    const config = loadConfig(env);
    const logger = createLogger('silent');
    const reset = usingRealPostgres ? await startHarness() : undefined; // empties the shared PostgreSQL database
    assert.ok(reset || !usingRealPostgres);

    const db1 = await openDatabase(config, logger);
    const first: Harness = await startHarness({ db: db1, env });
    await seedStandard(first);
    const created = await asClient(first).births(birth()).expect(201);
    await db1.close();

    const db2 = await openDatabase(config, logger);
    try {
      const second = await startHarness({ db: db2, env });
      const replay = await asClient(second).births(birth()).expect(201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body.child.personalIdentityCode, created.body.child.personalIdentityCode);
      const reused = await asClient(second)
        .births(birth({ child: { birthDateTime: '2026-11-20T14:32:00+02:00', sex: 'male' } }))
        .expect(422);
      assert.equal(reused.body.code, 'NOTIFICATION_ID_REUSED');
    } finally {
      await db2.close();
    }
  });
});
