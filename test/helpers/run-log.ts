import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One file for every log line a test run produces, whoever wrote it: the
 * in-process gateways (the harness's logger), the gateway and register
 * processes the tests start, and the command line. Each line is
 * `<source>\t<line>`. The root hooks (test/setup/root-hooks.ts) start it
 * fresh for the run and, at its end, scan it for personal identity codes.
 * Outside a mocha run (the crash run as a script) nothing is written.
 */
const DIR = join(__dirname, '..', '..', 'test-artifacts', 'logs');
/** This run's file: named by the process, so that two runs in one checkout keep apart. */
export const RUN_LOG = join(DIR, `test-run-${process.pid}.log`);

export type LogSource = 'harness' | 'gateway-process' | 'register-process' | 'cli';

let fd: number | undefined;
const counts = new Map<LogSource, number>();
/** Sources whose helpers ran in this run: each must have written something. */
const started = new Set<LogSource>();

/** A fresh file for this run; the files of earlier runs whose process has ended are removed. */
export function startRunLog(): void {
  mkdirSync(DIR, { recursive: true });
  for (const name of readdirSync(DIR)) {
    const pid = Number(/^test-run-(\d+)\.log$/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(DIR, name), { force: true });
  }
  fd = openSync(RUN_LOG, 'w');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Appends one line from `source`. */
export function logLine(source: LogSource, line: string): void {
  if (fd === undefined) return;
  writeSync(fd, `${source}\t${line.replace(/\r?\n$/, '')}\n`);
  counts.set(source, (counts.get(source) ?? 0) + 1);
}

/** For a process's stdout or stderr: cuts the chunks into lines, the last one when the stream ends. */
export function lineWriter(source: LogSource): { write(chunk: Buffer | string): void; end(): void } {
  started.add(source);
  let partial = '';
  return {
    write(chunk) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) logLine(source, line);
    },
    end() {
      if (partial) logLine(source, partial);
      partial = '';
    },
  };
}

/** Closes the file; what was written, and how many lines each source wrote. */
export function finishRunLog(): { text: string; counts: Map<LogSource, number>; started: Set<LogSource> } {
  if (fd !== undefined) closeSync(fd);
  fd = undefined;
  return { text: readFileSync(RUN_LOG, 'utf8'), counts, started };
}

/** Lines written so far by each source (for a test that checks its processes' output arrives). */
export const runLogCounts = (): ReadonlyMap<LogSource, number> => new Map(counts);
export const runLogText = (): string => readFileSync(RUN_LOG, 'utf8');
