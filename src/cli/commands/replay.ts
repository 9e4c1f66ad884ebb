import type { Command } from 'commander';
import { ERROR_CATALOGUE, type ErrorCode } from '../../core/errors';
import { EXIT } from '../errors';
import { globals } from '../options';
import { fmt } from '../replay/progress';
import { type ReplaySummary, replay } from '../replay/replay';
import { GatewayUnavailable } from '../replay/sender';

const CLIENT_ID = /^[^/\s]+\/[^/\s]+\/[^/\s]+\/[^/\s]+$/;

export function replayCommand(program: Command): Command {
  return program
    .command('replay')
    .description(
      'send a file of notifications to a gateway through POST /v1/batches, with progress; stopped in any way, it ' +
        'goes on where it was when run again; refused items go to a file to correct and send again',
    )
    .argument(
      '<input>',
      'an NDJSON file, one {"type": "birth"|"death", "notification": {…}} (or a bare notification) per line; ' +
        'or a folder of SOAP request envelopes (*.xml, in name order)',
    )
    .requiredOption('--client <id>', 'the X-Road client to send as, INSTANCE/CLASS/MEMBER/SUBSYSTEM')
    .option('--url <url>', 'the gateway', 'http://127.0.0.1:8080')
    .option('--chunk <n>', 'items per request (at most the gateway’s BATCH_SYNC_MAX_ITEMS)', '1000')
    .option(
      '--parallel <n>',
      'requests in flight at once (at most the gateway’s BATCH_SYNC_CONCURRENCY)',
      '3',
    )
    .option('--refused <file>', 'where refused items go (default <input>.refused.ndjson)')
    .option('--retry-for <seconds>', 'how long to keep trying while the gateway is unavailable', '120')
    .option('--restart', 'start from the beginning, ignoring a checkpoint of an earlier run')
    .option('--no-progress', 'no progress line on standard error')
    .addHelpText(
      'after',
      '\nThe checkpoint is <input>.replay-checkpoint.json; it is removed when the whole input is done.\n' +
        'Exit codes: 0 every item registered or accepted, 1 some refused (see the refused file) or a usage error,\n' +
        '4 the gateway stayed unavailable (run again to go on), 130 interrupted (run again to go on).',
    )
    .action(async (input: string, opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const g = globals(cmd);
      const client = String(opts.client);
      if (!CLIENT_ID.test(client)) cmd.error('error: --client must be INSTANCE/CLASS/MEMBER/SUBSYSTEM');
      const url = String(opts.url).replace(/\/+$/, '');
      if (!/^https?:\/\/[^/\s]+/.test(url)) cmd.error('error: --url must be an http:// or https:// URL');
      const whole = (name: string, min: number, max: number) => {
        const n = Number(opts[name]);
        if (!Number.isInteger(n) || n < min || n > max)
          cmd.error(
            `error: --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a whole number from ${min} to ${max}`,
          );
        return n;
      };
      const base = input.replace(/\/+$/, '');
      const signal = { stopped: false };
      const stop = () => {
        if (signal.stopped) process.exit(EXIT.interrupted);
        signal.stopped = true;
        process.stderr.write('\nStopping after the requests under way (Ctrl-C again to stop at once)…\n');
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      let summary: ReplaySummary;
      try {
        summary = await replay(
          {
            input,
            client,
            url,
            chunk: whole('chunk', 1, 100_000),
            parallel: whole('parallel', 1, 64),
            refusedPath: typeof opts.refused === 'string' ? opts.refused : `${base}.refused.ndjson`,
            checkpointPath: `${base}.replay-checkpoint.json`,
            restart: opts.restart === true,
            retryForMs: whole('retryFor', 0, 86_400) * 1000,
            progress: opts.progress !== false,
          },
          signal,
        );
      } catch (err) {
        if (err instanceof GatewayUnavailable) {
          process.stderr.write(`error: ${err.message}\n`);
          process.exitCode = EXIT.unavailable;
          return;
        }
        throw err;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      if (g.out.json) g.out.printJson(summary);
      else g.out.print(describe(summary));
      process.exitCode = summary.interrupted
        ? EXIT.interrupted
        : summary.refused > 0
          ? EXIT.refused
          : EXIT.ok;
    });
}

function describe(s: ReplaySummary): string {
  const lines: string[] = [];
  const head = s.interrupted ? 'Interrupted' : 'Replayed';
  lines.push(
    `${head}: ${fmt(s.items)} notifications of ${s.input} to ${s.url} as ${s.client}, ` +
      `in ${s.seconds.toFixed(1)} s (${fmt(s.perSecond)}/s)${s.resumedAt > 0 ? `, going on from ${s.unit} ${fmt(s.resumedAt + 1)}` : ''}.`,
  );
  const width = Math.max(...[s.registered, s.accepted, s.refused].map((n) => fmt(n).length));
  const row = (label: string, n: number, note = '') =>
    `  ${label.padEnd(12)}${fmt(n).padStart(width)}${note}`;
  lines.push(row('registered', s.registered));
  lines.push(
    row('accepted', s.accepted, '   stored; the register answers later (GET /v1/notifications/{id})'),
  );
  lines.push(row('refused', s.refused));
  const codes = Object.entries(s.refusedByCode).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const codeWidth = Math.max(0, ...codes.map(([c]) => c.length));
  for (const [code, n] of codes) {
    const title = Object.hasOwn(ERROR_CATALOGUE, code) ? ERROR_CATALOGUE[code as ErrorCode].title : '';
    lines.push(`    ${code.padEnd(codeWidth)}  ${fmt(n).padStart(width)}  ${title}`);
  }
  if (s.replayed > 0)
    lines.push(`  (${fmt(s.replayed)} of them sent before: answered with their first result)`);
  if (s.refusedFile) {
    lines.push(
      `Refused items, each with its error: ${s.refusedFile}`,
      `  Correct them there and send that file the same way: vtj-gateway replay ${s.refusedFile} --client ${s.client}`,
    );
  }
  if (s.interrupted) lines.push(`Run the same command again to go on from where it stopped.`);
  return lines.join('\n');
}
