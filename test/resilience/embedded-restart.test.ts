import assert from 'node:assert/strict';
import { birthInput } from '../helpers/builders';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process';
import { postJson } from '../helpers/listen';
import { newTempDir, usingRealPostgres } from '../helpers/test-db';

/**
 * A supervisor (systemd's default) restarts the gateway the moment it dies.
 * On the embedded store the new process must get the data directory although
 * the killed one may still be being torn down, and find everything it had
 * acknowledged. The suite belongs to the embedded run: it is about PGlite.
 */
const ROUNDS = 5;
const OPS_TOKEN = 'restart-test-operator-token-01';
const CLIENT = 'FI-TEST/GOV/0000000-0/demo-synnytys'; // the sandbox demo's REST client
const MOTHER = '150590-9021'; // a demo mother

if (!usingRealPostgres)
  describe('embedded store: SIGKILL of the whole gateway and an immediate restart', function () {
    this.timeout(300_000);
    const dataDir = newTempDir();
    const env = { DATA_DIR: dataDir, DATABASE_URL: undefined, OPS_TOKEN };
    let gateway: GatewayProcess | undefined;
    after(async () => {
      await gateway?.kill('SIGKILL');
    });

    const birth = (id: string) =>
      birthInput({ id, at: new Date(Date.now() - 3_600_000).toISOString(), mother: MOTHER });

    it(`comes back every time, ready within seconds, with every acknowledged notification intact (${ROUNDS} rounds)`, async () => {
      const acknowledged = new Map<string, string>(); // notificationId → child's code
      gateway = await startGatewayProcess(env);
      for (let round = 0; round < ROUNDS; round++) {
        const url = gateway.url;
        // Births in flight when the whole process group is killed; only the answered ones count. The kill
        // comes once the first of them is answered, a little later each round, so others are mid-flight.
        let firstAnswered: () => void = () => {};
        const answered = new Promise<void>((resolve) => {
          firstAnswered = resolve;
        });
        const inFlight = Array.from({ length: 30 }, (_, i) =>
          postJson(`${url}/v1/births`, birth(`restart-${round}-${i}`), { 'X-Road-Client': CLIENT })
            .then((res) => {
              if (res.status !== 201) assert.fail(`answered ${res.status} ${JSON.stringify(res.body)}`);
              acknowledged.set(res.body.notificationId, res.body.child.personalIdentityCode);
              firstAnswered();
            })
            .catch((err: unknown) => {
              if (err instanceof assert.AssertionError) throw err;
            }),
        );
        await answered;
        await new Promise((r) => setTimeout(r, 5 * round));
        const killed = gateway.kill('SIGKILL');
        // Restarted at once: not waiting for the killed processes to be gone.
        const restarted = startGatewayProcess(env, { readyWithinMs: 30_000 });
        await Promise.all([killed, ...inFlight]);
        gateway = await restarted;
      }
      assert.ok(acknowledged.size > 0, 'some births were acknowledged before a kill');

      const last = gateway;
      for (const [id, code] of acknowledged) {
        const res = await fetch(`${last.url}/v1/notifications/${id}`, {
          headers: { 'X-Road-Client': CLIENT },
        });
        const body = (await res.json()) as { status: string; child?: { personalIdentityCode: string } };
        assert.equal(res.status, 200, id);
        assert.deepEqual([body.status, body.child?.personalIdentityCode], ['registered', code], id);
      }
      // Codes are still unique and the series goes on where it was.
      const next = await postJson(`${last.url}/v1/births`, birth('restart-after'), {
        'X-Road-Client': CLIENT,
      });
      assert.equal(next.status, 201);
      assert.ok(![...acknowledged.values()].includes(next.body.child.personalIdentityCode));
    });
  });
