import { linesWithIdentityCodes } from '../helpers/identity-codes';
import { finishRunLog, RUN_LOG, startRunLog } from '../helpers/run-log';
import { closeSharedDb } from '../helpers/test-db';

// Loaded before every spec file (.mocharc.json "file"). Every log line of the run goes to one file,
// started fresh here.
startRunLog();

// Closes the shared test database at the end. Closing it ends with PostgreSQL's shutdown checkpoint, which
// syncs every file the run wrote (thousands, after a TRUNCATE before each test): seconds on a quiet
// machine, many more on a loaded one.
after(async function () {
  this.timeout(180_000);
  await closeSharedDb();
});

// At the end of the run: no personal identity code in any log line of it, and every kind of process the
// run started wrote to the file. Fails naming the lines, never the codes.
after(() => {
  const { text, counts, started } = finishRunLog();
  const lines = linesWithIdentityCodes(text);
  if (lines.length > 0) {
    throw new Error(
      `${lines.length} log lines of this run hold a personal identity code: ${RUN_LOG} lines ` +
        `${lines.slice(0, 40).join(', ')}${lines.length > 40 ? ', …' : ''}`,
    );
  }
  const silent = [...started].filter((s) => !counts.get(s));
  if (silent.length > 0) throw new Error(`the run's log has no line from: ${silent.join(', ')} (${RUN_LOG})`);
  const summary = [...counts].map(([s, n]) => `${s} ${n}`).join(', ');
  console.log(`  run log: ${summary || 'no lines'}; no personal identity code (${RUN_LOG})`);
});
