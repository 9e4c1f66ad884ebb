import assert from 'node:assert/strict';
import type { AuditEvent } from '../../src/core/audit/audit-record';
import { AuditTrail } from '../../src/core/audit/audit-trail';
import { auditQueries } from '../../src/infra/pg/audit-sql';
import { migrate } from '../../src/infra/pg/migrate';
import { createPgliteDatabase } from '../../src/infra/pg/pglite-database';
import { explain, runCli } from '../cli/run-cli';
import { fixedClock } from '../helpers/clock';
import { newTempDir } from '../helpers/test-db';

const MOTHER = '010155-920A';
const OTHER = '020248-931A';
const CODE_SHAPED = /\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]/;

function event(notificationId: string, mother: string, outcome = 'REGISTERED'): AuditEvent {
  return {
    channel: 'rest',
    operation: 'birth',
    clientId: 'FI-TEST/GOV/0000000-0/lab-rest',
    clientIdentified: true,
    xRoadId: `msg-${notificationId}`,
    userId: `FI${MOTHER}`,
    notificationId,
    outcome,
    replayed: false,
    httpStatus: outcome === 'REGISTERED' ? 201 : 400,
    persons: [mother],
  };
}

/** `vtj-gateway audit list` over an embedded database whose trail this test wrote in-process first. */
describe('vtj-gateway audit list', function () {
  this.timeout(120_000);
  const dataDir = newTempDir();

  before(async () => {
    const db = await createPgliteDatabase(dataDir);
    try {
      await migrate(db);
      const clock = fixedClock(new Date(Date.now() - 60_000));
      const quiet = { info() {}, warn() {}, error() {} };
      const trail = new AuditTrail({
        store: auditQueries(db, undefined),
        clock,
        logger: quiet,
        retentionDays: 30,
      });
      trail.record(event('cli-1', MOTHER));
      clock.advance(1000);
      trail.record(event('cli-2', OTHER));
      clock.advance(1000);
      trail.record(event('cli-3', MOTHER, 'VALIDATION_FAILED'));
      await trail.flush();
    } finally {
      await db.close();
    }
  });

  const cli = async (args: string[], input?: string) => {
    const r = await runCli(dataDir, ['audit', 'list', ...args], { input });
    assert.doesNotMatch(r.stdout + r.stderr, CODE_SHAPED, explain(args, r));
    return r;
  };

  it('prints the trail as a table, newest first, with no personal identity code', async () => {
    const r = await cli([]);
    assert.equal(r.code, 0, explain([], r));
    const lines = r.stdout.split('\n');
    assert.match(lines[0] ?? '', /^TIME\s+CHANNEL\s+OP\s+CLIENT\s+NOTIFICATION\s+OUTCOME\s+HTTP/);
    assert.deepEqual(
      lines.slice(1, 4).map((l) => /cli-\d/.exec(l)?.[0]),
      ['cli-3', 'cli-2', 'cli-1'],
    );
    assert.match(r.stdout, /FI\[hetu\]/);
    assert.match(r.stdout, /3 rows, newest first\./);
  });

  it('finds a person by the code, given as an option or on standard input; --json as the API answers', async () => {
    const byOption = await cli(['--person', MOTHER, '--json']);
    assert.equal(byOption.code, 0, explain([], byOption));
    const page = JSON.parse(byOption.stdout);
    assert.deepEqual(
      page.entries.map((e: { notificationId: string }) => e.notificationId),
      ['cli-3', 'cli-1'],
    );
    assert.equal(page.nextCursor, null);
    const byStdin = await cli(['--person', '-', '--outcome', 'REGISTERED', '--json'], `${MOTHER}\n`);
    assert.deepEqual(
      JSON.parse(byStdin.stdout).entries.map((e: { notificationId: string }) => e.notificationId),
      ['cli-1'],
    );
  });

  it('pages with --limit and --cursor', async () => {
    const first = JSON.parse((await cli(['--limit', '2', '--json'])).stdout);
    assert.equal(first.entries.length, 2);
    const second = JSON.parse((await cli(['--limit', '2', '--cursor', first.nextCursor, '--json'])).stdout);
    assert.deepEqual(
      second.entries.map((e: { notificationId: string }) => e.notificationId),
      ['cli-1'],
    );
    const table = await cli(['--limit', '2']);
    assert.match(table.stdout, new RegExp(`More: add --cursor ${first.nextCursor}`));
  });

  it('refuses bad filters with exit code 1, each named by its option', async () => {
    const r = await cli(['--person', '010155-920B', '--limit', 'many', '--from', 'soon']);
    assert.equal(r.code, 1, explain([], r));
    assert.match(r.stderr, /^error VALIDATION_FAILED/);
    assert.match(r.stderr, /person \(--person\): INVALID_CHECK_CHARACTER/);
    assert.match(r.stderr, /limit \(--limit\): OUT_OF_RANGE/);
    assert.match(r.stderr, /from \(--from\): INVALID_DATE/);
  });
});
