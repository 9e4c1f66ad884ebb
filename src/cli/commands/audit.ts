import { type Command, Option } from 'commander';
import { AUDIT_CHANNELS, AUDIT_OPERATIONS } from '../../core/audit/audit-record';
import { plural } from '../../core/plural';
import { AUDIT_LIMIT, auditPage } from '../../ops/audit-query';
import type { AuditEntryView } from '../../ops/views';
import { helsinkiTime } from '../format';
import { globals } from '../options';
import { withGateway } from '../session';
import { renderTable } from '../table';

interface ListOptions {
  client?: string;
  from?: string;
  to?: string;
  outcome?: string;
  notification?: string;
  channel?: string;
  operation?: string;
  person?: string;
  user?: string;
  limit?: string;
  cursor?: string;
}

/** Option → query parameter of GET /ops/audit: the same filters, checked by the same function. */
const PARAMETER_OF: Record<keyof ListOptions, string> = {
  client: 'client',
  from: 'from',
  to: 'to',
  outcome: 'outcome',
  notification: 'notificationId',
  channel: 'channel',
  operation: 'operation',
  person: 'person',
  user: 'userId',
  limit: 'limit',
  cursor: 'cursor',
};

export function auditCommand(program: Command): Command {
  const audit = program
    .command('audit')
    .description(
      'the audit trail of notification requests: every birth, death and status request, answered or refused',
    );

  audit
    .command('list')
    .description('rows of the trail, newest first; persons only as keyed hashes')
    .option('--client <id>', 'the client (as identified, or as named when it was not)')
    .option('--from <when>', 'from this instant, or the start of this day (YYYY-MM-DD, Helsinki)')
    .option('--to <when>', 'before this instant, or to the end of this day')
    .option('--outcome <code>', 'REGISTERED, PENDING, REJECTED or an error code such as VALIDATION_FAILED')
    .option('--notification <id>', "the client's notification id")
    .addOption(new Option('--channel <channel>', 'the interface').choices([...AUDIT_CHANNELS]))
    .addOption(new Option('--operation <operation>', 'what was asked').choices([...AUDIT_OPERATIONS]))
    .option(
      '--person <code>',
      'rows naming this person (a personal identity code, hashed to search; "-" reads it from standard input, out of the shell history)',
    )
    .option('--user <userId>', 'rows sent by this X-Road userId (hashed to search; "-" reads standard input)')
    .option('--limit <n>', `rows per page, 1 to ${AUDIT_LIMIT.max} (default ${AUDIT_LIMIT.default})`)
    .option('--cursor <token>', 'the next page: the cursor the previous page printed')
    .action(async (opts: ListOptions, cmd: Command) => {
      const g = globals(cmd);
      const query: Record<string, string> = {};
      for (const [option, value] of Object.entries(opts)) {
        if (value === undefined) continue;
        query[PARAMETER_OF[option as keyof ListOptions]] = value === '-' ? await stdinLine() : value;
      }
      await withGateway(async (gw) => {
        const page = await auditPage(gw.audit, query);
        if (g.out.json) return g.out.printJson(page);
        if (page.entries.length === 0) return g.out.print('No audit rows match.');
        g.out.print(
          renderTable<AuditEntryView>(
            page.entries,
            [
              { header: 'TIME', value: (r) => helsinkiTimeSeconds(r.at) },
              { header: 'CHANNEL', value: (r) => r.channel },
              { header: 'OP', value: (r) => r.operation ?? '?' },
              {
                header: 'CLIENT',
                value: (r) => (r.clientId ?? '–') + (r.clientIdentified ? '' : ' (unidentified)'),
                shrink: true,
              },
              { header: 'NOTIFICATION', value: (r) => r.notificationId ?? '–', shrink: true },
              {
                header: 'OUTCOME',
                value: (r) => r.outcome + (r.replayed ? ' (replay)' : ''),
                style: (r) => (r.httpStatus >= 400 ? 'red' : undefined),
              },
              { header: 'HTTP', value: (r) => String(r.httpStatus), align: 'right' },
              { header: 'X-ROAD ID', value: (r) => r.xRoadId ?? '–', shrink: true },
              { header: 'USER', value: (r) => r.userId ?? '–', shrink: true },
              {
                header: 'PERSONS',
                value: (r) => r.persons.map((p) => p.slice(0, 12)).join(' '),
                shrink: true,
              },
            ],
            g.out,
          ),
        );
        g.out.print(
          `\n${plural(page.entries.length, 'row')}, newest first.` +
            (page.nextCursor ? ` More: add --cursor ${page.nextCursor}` : ''),
        );
        g.out.print(
          'TIME: Europe/Helsinki.  PERSONS: the first 12 characters of each keyed hash (--json: whole).',
        );
      });
    });
  return audit;
}

/** "YYYY-MM-DD HH:MM:SS" in Helsinki. */
function helsinkiTimeSeconds(iso: string): string {
  return `${helsinkiTime(iso)}:${iso.slice(17, 19)}`;
}

/** One line of standard input, trimmed: a code given so never appears in the process list or shell history. */
async function stdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split('\n')[0]?.trim() ?? '';
}
