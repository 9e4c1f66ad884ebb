import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { helsinkiDate } from '../../src/core/time/helsinki';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { createStore } from '../../src/infra/pg/store';
import { usageQueries } from '../../src/infra/pg/usage-sql';
import { systemClock } from '../../src/infra/system-clock';
import { pendingBirthRow } from '../helpers/builders';
import { holdLockInAnotherProcess } from '../helpers/lock-holder';
import { newTempDir } from '../helpers/test-db';
import { type CliResult, explain, runCli } from './run-cli';

const DAY = 86_400_000;
const SOAP_CLIENT = 'FI-TEST/GOV/0000000-0/lab-soap';
const REST_CLIENT = 'FI-TEST/GOV/0000000-0/lab-rest';
/** Synthetic test codes (individual numbers 900–999). */
const PERSONS = ['010155-920A', '020248-931A'];

/**
 * The operator CLI end to end: each step runs `node bin/vtj-gateway.cjs` as a
 * child process over one embedded database (a fresh DATA_DIR), in order.
 * Dates are relative to today, the cut-offs set through the environment, so
 * the statuses do not depend on when the suite runs.
 */
describe('operator CLI (vtj-gateway) end to end on the embedded database', function () {
  // Every step starts a process (1–3 s; the first also creates the database).
  this.timeout(180_000);
  const dataDir = newTempDir();
  const now = Date.now();
  const dayAfter = (days: number) => helsinkiDate(new Date(now + days * DAY));
  const env = {
    CUTOFF_LEGACY_SOAP: new Date(now - 30 * DAY).toISOString(),
    CUTOFF_SOAP_V2: new Date(now + 60 * DAY).toISOString(),
  };
  const exceptionUntil = dayAfter(200);
  const cli = (args: string[], input?: string) => runCli(dataDir, args, { env, input });
  const ok = async (args: string[], input?: string): Promise<CliResult> => {
    const r = await cli(args, input);
    assert.equal(r.code, 0, explain(args, r));
    assert.ok(!r.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');
    return r;
  };
  let exceptionId = '';

  it('clients add: registers clients, audited under --operator or cli:<user>', async () => {
    const created = JSON.parse(
      (
        await ok([
          'clients',
          'add',
          SOAP_CLIENT,
          '--name',
          'Lab (SOAP)',
          '--organisation',
          'Demo wellbeing area',
          '--kind',
          'existing',
          '--operator',
          'alice',
          '--json',
        ])
      ).stdout,
    );
    // The shape of POST /ops/clients.
    assert.equal(created.id, SOAP_CLIENT);
    assert.equal(created.kind, 'existing');
    assert.equal(created.sandbox, false);
    assert.deepEqual(created.exceptions, []);
    assert.equal(created.channels.rest.allowed, true);

    const table = await ok([
      'clients',
      'add',
      REST_CLIENT,
      '--name',
      'Lab (REST)',
      '--organisation',
      'Demo wellbeing area',
      '--kind',
      'new',
      '--sandbox',
    ]);
    assert.match(table.stdout, new RegExp(`^Registered ${REST_CLIENT} \\(new, sandbox\\) as cli:`));
  });

  it('refuses invalid options naming each field and its option, exit code 1, nothing written', async () => {
    const args = [
      'clients',
      'add',
      'FI/GOV/0123456-7/x',
      '--name',
      'X',
      '--organisation',
      'Y',
      '--kind',
      'old',
    ];
    const bad = await cli(args);
    assert.equal(bad.code, 1, explain(args, bad));
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^error VALIDATION_FAILED: /);
    assert.match(bad.stderr, /\n {2}kind \(--kind\): INVALID_VALUE: must be one of "existing", "new"\n/);
    assert.doesNotMatch(bad.stderr, /\bat .*\.ts:\d+/, 'no stack trace');

    const grant = [
      'exceptions',
      'grant',
      SOAP_CLIENT,
      '--channel',
      'soap-v2',
      '--until',
      '2027-02-30',
      '--reason',
      'x',
    ];
    const badDate = await cli(grant);
    assert.equal(badDate.code, 1, explain(grant, badDate));
    assert.match(badDate.stderr, /until \(--until\): INVALID_DATE: must be a date YYYY-MM-DD/);
    assert.match(badDate.stderr, /reason \(--reason\): INVALID_VALUE: must say why/);

    // --json: the error as JSON on stderr, for scripts.
    const asJson = await cli(['clients', 'list', '--as-of', '2026-13-01', '--json']);
    assert.equal(asJson.code, 1);
    assert.deepEqual(JSON.parse(asJson.stderr), {
      code: 'VALIDATION_FAILED',
      message: 'asOf: must be a date YYYY-MM-DD',
      errors: [{ field: 'asOf', code: 'INVALID_DATE', message: 'must be a date YYYY-MM-DD' }],
    });

    // Commander's own usage errors exit 1 as well.
    const usage = await cli(['clients', 'add']);
    assert.equal(usage.code, 1, explain(['clients', 'add'], usage));
    assert.match(usage.stderr, /missing required argument 'id'/);
  });

  it('exits 2 on invalid settings', async () => {
    const r = await runCli(dataDir, ['clients', 'list'], { env: { ...env, LOG_LEVEL: 'loud' } });
    assert.equal(r.code, 2, explain(['clients', 'list'], r));
    assert.match(r.stderr, /LOG_LEVEL must be one of/);
  });

  it('exceptions grant: keeps soap-v2 open for the client, audited', async () => {
    const args = ['exceptions', 'grant', SOAP_CLIENT, '--channel', 'soap-v2', '--until', exceptionUntil];
    const r = await ok([...args, '--reason', 'Vendor ships REST in spring', '--operator', 'alice', '--json']);
    const ex = JSON.parse(r.stdout);
    assert.equal(ex.channel, 'soap-v2');
    assert.equal(ex.until, exceptionUntil);
    assert.equal(ex.grantedBy, 'alice');
    assert.equal(ex.revokedAt, null);
    exceptionId = ex.id;
  });

  it('wrote the audit rows naming the operator; while it holds the database, a command is refused (exit 3)', async () => {
    const db = await createPgliteDatabase(dataDir);
    try {
      const rows = await db.query<{ client_id: string; operator: string; action: string }>(
        'SELECT client_id, operator, action FROM audit_log ORDER BY id',
      );
      assert.deepEqual(rows, [
        { client_id: SOAP_CLIENT, operator: 'alice', action: 'client.create' },
        { client_id: REST_CLIENT, operator: `cli:${userInfo().username}`, action: 'client.create' },
        { client_id: SOAP_CLIENT, operator: 'alice', action: 'exception.grant' },
      ]);
      // The client called SOAP v2 yesterday: the gateway's call counts, as its usage flush writes them.
      const yesterday = new Date(now - DAY);
      await usageQueries(db).add([
        {
          clientId: SOAP_CLIENT,
          channel: 'soap-v2',
          day: helsinkiDate(yesterday),
          accepted: 3,
          refused: 0,
          firstSeen: yesterday,
          lastSeen: yesterday,
          lastAccepted: yesterday,
          lastRetiredRefusal: null,
        },
      ]);

      const refused = await cli(['clients', 'list']);
      assert.equal(refused.code, 3, explain(['clients', 'list'], refused));
      assert.equal(refused.stdout, '');
      assert.match(
        refused.stderr,
        new RegExp(
          `^The gateway \\(pid ${process.pid}\\) has the embedded database in ${dataDir} open; stop it, or use the operator API /ops/`,
        ),
      );
      assert.match(refused.stderr, /set DATABASE_URL/);
    } finally {
      await db.close();
    }
  });

  it('clients list: a table of statuses (right after just after the lock holder was killed)', async () => {
    const holder = await holdLockInAnotherProcess(dataDir);
    holder.child.kill('SIGKILL');
    const { stdout } = await ok(['clients', 'list']);
    await holder.kill();
    const lines = stdout.split('\n');
    assert.match(lines[0] ?? '', /^CLIENT +NAME +KIND +STATUS +DAYS +LAST SOAP CALL +EXC$/);
    const soap = lines.find((l) => l.startsWith(SOAP_CLIENT)) ?? '';
    assert.match(
      soap,
      new RegExp(
        `Lab \\(SOAP\\) +existing +fix-by ${exceptionUntil} warning +\\d+ +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +1$`,
      ),
    );
    const rest = lines.find((l) => l.startsWith(REST_CLIENT)) ?? '';
    assert.match(rest, /Lab \(REST\) +new\* +ok +– +– +0$/);
    // Columns line up: every row's STATUS starts where the header's does.
    const at = (lines[0] ?? '').indexOf('STATUS');
    assert.equal(soap.indexOf('fix-by'), at);
    assert.equal(rest.indexOf('ok'), at);
  });

  it('clients list --json --status: the shape of GET /ops/clients, filtered', async () => {
    const { stdout } = await ok(['clients', 'list', '--status', 'fix-by', '--json']);
    const body = JSON.parse(stdout);
    assert.deepEqual(
      body.clients.map((c: { id: string }) => c.id),
      [SOAP_CLIENT],
    );
    const [c] = body.clients;
    assert.equal(c.migration.status, 'fix-by');
    assert.equal(c.migration.fixBy, exceptionUntil);
    assert.equal(c.migration.severity, 'warning');
    assert.equal(c.migration.cutoffs['soap-v2'], exceptionUntil);
    assert.deepEqual(
      c.usage.map((u: { channel: string; accepted30d: number }) => [u.channel, u.accepted30d]),
      [['soap-v2', 3]],
    );
  });

  it('clients show --json: the client with its audit trail, as GET /ops/clients/{id}', async () => {
    const { stdout } = await ok(['clients', 'show', SOAP_CLIENT, '--json']);
    const c = JSON.parse(stdout);
    assert.equal(c.id, SOAP_CLIENT);
    assert.equal(c.exceptions[0].id, exceptionId);
    assert.equal(c.channels['soap-v2'].allowed, true);
    assert.deepEqual(
      c.audit.map((a: { operator: string; action: string }) => `${a.operator} ${a.action}`),
      ['alice client.create', 'alice exception.grant'],
    );
    assert.equal(c.audit[0].details.name, 'Lab (SOAP)');
  });

  it('migration status --as-of: counts and the clients not ok, in JSON and as a table', async () => {
    const later = dayAfter(250); // after the exception ends
    const json = JSON.parse((await ok(['migration', 'status', '--as-of', later, '--json'])).stdout);
    assert.equal(json.clients, 2);
    assert.deepEqual(json.byStatus, { ok: 1, 'fix-by': 0, overdue: 1 });
    assert.deepEqual(json.byChannel['soap-v2'], { clients: 1, accepted30d: 3, refused30d: 0 });
    assert.equal(json.cutoffs['soap-v2'], env.CUTOFF_SOAP_V2);
    assert.deepEqual(
      json.notOk.map((c: { id: string; migration: { status: string } }) => [c.id, c.migration.status]),
      [[SOAP_CLIENT, 'overdue']],
    );

    const { stdout } = await ok(['migration', 'status']);
    assert.match(stdout, /^status +now \(\d{4}-\d\d-\d\d\)\nclients +2: 1 ok, 1 fix-by, 0 overdue\n/);
    assert.match(stdout, /\nsoap-v2 +1 +3 +0\n/);

    // What-if, after the exception ends: the client is overdue, and its exception is not counted as in force.
    const asOf = await ok(['clients', 'list', '--status', 'overdue', '--as-of', later]);
    assert.match(
      asOf.stdout,
      new RegExp(`${SOAP_CLIENT} .* overdue .* 0\\n\\n1 of 2 clients, status as of the end of ${later}`),
    );
    assert.match(asOf.stdout, /EXC: exceptions in force on that day/);
    const one = await ok(['clients', 'list', '--status', 'ok']);
    assert.match(one.stdout, /\n1 of 2 clients, status now\./);
    assert.match(
      stdout,
      new RegExp(`Clients not ok\\nCLIENT .*\\n${SOAP_CLIENT} +Lab \\(SOAP\\) +existing +fix-by`),
    );
  });

  it('exceptions revoke: audited under the operator; clients show (table) tells it', async () => {
    const revoked = await ok(['exceptions', 'revoke', SOAP_CLIENT, exceptionId, '--operator', 'bob']);
    assert.match(
      revoked.stdout,
      new RegExp(`^Revoked exception ${exceptionId} \\(soap-v2 until ${exceptionUntil}\\)`),
    );

    const { stdout } = await ok(['clients', 'show', SOAP_CLIENT]);
    assert.match(stdout, new RegExp(`^${SOAP_CLIENT}\\n {2}name +Lab \\(SOAP\\)\\n`));
    // Without the exception, SOAP v2's own cut-off (in 60 days) applies again.
    assert.match(stdout, new RegExp(`\\n {2}status +fix-by ${dayAfter(60)} warning\\n`));
    assert.match(stdout, /\nsoap-v2 +allowed +\d{4}-\d\d-\d\d +3 +0 /);
    assert.match(
      stdout,
      new RegExp(`\\n${exceptionId} +soap-v2 +${exceptionUntil} +revoked \\d{4}-\\d\\d-\\d\\d by bob`),
    );
    assert.match(stdout, /\n\d{4}-\d\d-\d\d \d\d:\d\d +bob +exception\.revoke +exceptionId=/);
  });

  it('register load: loads persons from a file or stdin and reports counts, never the codes', async () => {
    const file = join(newTempDir(), 'persons.json');
    writeFileSync(
      file,
      JSON.stringify([
        { personalIdentityCode: PERSONS[0] },
        { personalIdentityCode: PERSONS[1], deathDate: '2024-05-01' },
      ]),
    );
    const loaded = await ok(['register', 'load', file]);
    assert.equal(loaded.stdout, 'Loaded 2 persons: 2 new, 0 updated.\n');

    const again = await ok(
      ['register', 'load', '-', '--json'],
      JSON.stringify([{ personalIdentityCode: PERSONS[0] }]),
    );
    assert.deepEqual(JSON.parse(again.stdout), { created: 0, updated: 1 });

    const bad = JSON.stringify([
      { personalIdentityCode: '010155-920B' },
      { personalIdentityCode: PERSONS[1], x: 1 },
    ]);
    const refused = await cli(['register', 'load', '-'], bad);
    assert.equal(refused.code, 1, explain(['register', 'load', '-'], refused));
    assert.match(refused.stderr, /\[1\]\.x: UNKNOWN_FIELD/);
    for (const code of [...PERSONS, '010155-920B']) {
      assert.ok(
        !refused.stderr.includes(code) && !loaded.stdout.includes(code),
        'no identity code in output',
      );
    }
  });

  it('outbox list, retry and withdraw: what waits for the register, and an operator closing it', async () => {
    const empty = await ok(['outbox', 'list']);
    assert.equal(empty.stdout, 'No notification needs attention.\n');
    // A birth the register never took, tried enough: written as the gateway would have left it.
    const db = await createPgliteDatabase(dataDir);
    try {
      const store = createStore(db, { clock: systemClock, clientCacheMs: 0 });
      const ids = ['cli-stuck-1', 'cli-stuck-2'];
      await store.transaction(async (tx) => {
        await tx.notifications.insertMany(
          ids.map((id) => pendingBirthRow(REST_CLIENT, id, PERSONS[0] as string, new Date(now - DAY))),
        );
        await tx.notifications.recordFailures(
          ids.map((notificationId) => ({
            clientId: REST_CLIENT,
            notificationId,
            attempts: 30,
            nextAttemptAt: new Date(),
            lastError: 'RegisterUnavailable HTTP_503: the register answered HTTP 503',
            attentionSince: new Date(),
          })),
        );
      });
    } finally {
      await db.close();
    }
    const listed = await ok(['outbox', 'list', '--json']);
    const [entry] = JSON.parse(listed.stdout).needsAttention;
    assert.equal(JSON.parse(listed.stdout).needsAttention.length, 2);
    assert.equal(entry.notificationId, 'cli-stuck-1');
    assert.match(entry.lastError, /503/);
    assert.ok(!listed.stdout.includes(PERSONS[0] as string), 'no identity code in the outbox view');
    const table = await ok(['outbox', 'list']);
    assert.match(table.stdout, /cli-stuck-1 .*needs attention/);

    const retried = JSON.parse((await ok(['outbox', 'retry', REST_CLIENT, 'cli-stuck-1', '--json'])).stdout);
    assert.deepEqual([retried.attempts, retried.needsAttentionSince], [0, null]);
    const usage = await cli(['outbox', 'retry', REST_CLIENT]);
    assert.equal(usage.code, 1, explain(['outbox', 'retry'], usage));
    assert.match(usage.stderr, /--all/);
    const all = await ok(['outbox', 'retry', '--all', '--client', REST_CLIENT, '--operator', 'bob']);
    assert.equal(
      all.stdout,
      `1 notification is due now (of ${REST_CLIENT}); the gateway sends them on its next rounds.\n`,
    );
    assert.deepEqual(JSON.parse((await ok(['outbox', 'retry', '--all', '--json'])).stdout), { retried: 0 });
    assert.equal((await ok(['outbox', 'list'])).stdout, 'No notification needs attention.\n');
    const withdrawn = await ok(['outbox', 'withdraw', REST_CLIENT, 'cli-stuck-1', '--operator', 'alice']);
    assert.equal(
      withdrawn.stdout,
      `cli-stuck-1 of ${REST_CLIENT} is now rejected (REGISTRATION_WITHDRAWN).\n`,
    );
    const again = await cli(['outbox', 'withdraw', REST_CLIENT, 'cli-stuck-1']);
    assert.equal(again.code, 1, explain(['outbox', 'withdraw'], again));
    assert.match(again.stderr, /NOT_IN_OUTBOX|not waiting for the register/);
    const shown = JSON.parse((await ok(['clients', 'show', REST_CLIENT, '--json'])).stdout);
    assert.deepEqual(
      shown.audit
        .filter((a: { action: string }) => a.action.startsWith('notification.'))
        .map((a: { action: string; operator: string }) => [a.action, a.operator]),
      [
        ['notification.retry', `cli:${userInfo().username}`],
        ['notification.retry', 'bob'],
        ['notification.withdraw', 'alice'],
      ],
    );
  });
});
