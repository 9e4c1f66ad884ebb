import type { Command } from 'commander';
import { SOAP_CHANNELS } from '../../core/clients/client';
import { migrationSummary } from '../../core/clients/migration-summary';
import { helsinkiDate } from '../../core/time/helsinki';
import { asOfInstant } from '../../ops/query';
import { type OverviewView, overviewView } from '../../ops/views';
import { CLIENT_TABLE_LEGEND, clientTable } from '../client-table';
import { helsinkiDay } from '../format';
import { globals } from '../options';
import { withGateway } from '../session';
import { paint, renderFields, renderTable } from '../table';

export function migrationCommand(program: Command): Command {
  const migration = program
    .command('migration')
    .description('where the wellbeing areas stand in the move off SOAP');

  migration
    .command('status')
    .description('clients per status, calls per interface in 30 days, the cut-offs, and every client not ok')
    .option(
      '--as-of <date>',
      'the status on that day (YYYY-MM-DD) if each client keeps calling what it calls now',
    )
    .action(async (opts: { asOf?: string }, cmd: Command) => {
      const g = globals(cmd);
      const asOf = asOfInstant(opts.asOf);
      await withGateway(async (gw) => {
        const all = await gw.migration.all(asOf);
        const summary = migrationSummary(all, gw.migration.cutoffSettings());
        const notOk = all
          .filter((o) => o.status.status !== 'ok')
          .map((o) => overviewView(gw.migration, o))
          .sort(byUrgency);
        // The shape of GET /ops/migration, plus the clients that need to act.
        if (g.out.json) return g.out.printJson({ ...summary, notOk });
        const today = helsinkiDate(gw.migration.now());
        const day = opts.asOf ?? today;
        const s = summary.byStatus;
        g.out.print(
          renderFields(
            [
              ['status', opts.asOf ? `as of the end of ${day} (Helsinki)` : `now (${today})`],
              ['clients', `${summary.clients}: ${s.ok} ok, ${s['fix-by']} fix-by, ${s.overdue} overdue`],
              ...SOAP_CHANNELS.map(
                (c) => [`${c} cut-off`, helsinkiDay(summary.cutoffs[c])] as [string, string],
              ),
            ],
            g.out,
          ),
        );
        g.out.print(`\n${paint('Calls in the last 30 days', 'bold', g.out.color)}`);
        const rows = Object.entries(summary.byChannel).map(([channel, c]) => ({ channel, ...c }));
        g.out.print(
          renderTable(
            rows,
            [
              { header: 'INTERFACE', value: (r) => r.channel },
              { header: 'CLIENTS', value: (r) => String(r.clients), align: 'right' },
              { header: 'ALLOWED', value: (r) => String(r.accepted30d), align: 'right' },
              { header: 'REFUSED', value: (r) => String(r.refused30d), align: 'right' },
            ],
            g.out,
          ),
        );
        g.out.print(`\n${paint('Clients not ok', 'bold', g.out.color)}`);
        g.out.print(
          notOk.length > 0 ? `${clientTable(notOk, day, g.out)}\n\n${CLIENT_TABLE_LEGEND}` : 'none',
        );
      });
    });

  return migration;
}

/** Overdue first, then fix-by dates soonest first. */
function byUrgency(a: OverviewView, b: OverviewView): number {
  const key = (o: OverviewView) =>
    o.migration.status === 'overdue' ? '0' : o.migration.status === 'fix-by' ? `1${o.migration.fixBy}` : '2';
  return key(a).localeCompare(key(b)) || a.id.localeCompare(b.id);
}
