import { type Command, Option } from 'commander';
import { plural } from '../../core/plural';
import { helsinkiDate } from '../../core/time/helsinki';
import { asOfInstant } from '../../ops/query';
import { checkClientInput } from '../../ops/request-checks';
import { auditView, clientView, type OverviewView, overviewView } from '../../ops/views';
import { clientDetails } from '../client-details';
import { CLIENT_TABLE_LEGEND, clientTable } from '../client-table';
import { collect, globals } from '../options';
import { withGateway } from '../session';

const STATUSES = ['ok', 'fix-by', 'overdue'] as const;

export function clientsCommand(program: Command): Command {
  const clients = program.command('clients').description('register, change, list and inspect X-Road clients');

  clients
    .command('add')
    .description('register a client (audited under --operator)')
    .argument('<id>', 'X-Road identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM, e.g. FI/GOV/0123456-7/synnytys')
    .option('--name <name>', "the system's name (required)")
    .option('--organisation <org>', 'the organisation, e.g. the wellbeing area (required)')
    .option(
      '--kind <kind>',
      'existing: used the old SOAP interface before the renewal; new: REST only (required)',
    )
    .option('--sandbox', 'a sandbox client: sees only test persons 900–999')
    .option('--fingerprint <sha256>', 'SHA-256 fingerprint of a TLS client certificate (repeatable)', collect)
    .action(async (id: string, opts: AddOptions, cmd: Command) => {
      const g = globals(cmd);
      const body = {
        id,
        ...(opts.name !== undefined && { name: opts.name }),
        ...(opts.organisation !== undefined && { organisation: opts.organisation }),
        ...(opts.kind !== undefined && { kind: opts.kind }),
        sandbox: opts.sandbox === true,
        certificateFingerprints: opts.fingerprint ?? [],
      };
      checkClientInput(body);
      await withGateway(async (gw) => {
        const view = clientView(gw.migration, await gw.clients.create(body, g.operator));
        if (g.out.json) return g.out.printJson(view);
        g.out.print(
          `Registered ${view.id} (${view.kind}${view.sandbox ? ', sandbox' : ''}) as ${g.operator}.`,
        );
        g.out.print(`See it with: npx vtj-gateway clients show ${view.id}`);
      });
    });

  clients
    .command('update')
    .description('change a client: only the options given (audited under --operator)')
    .argument('<id>', "the client's X-Road identifier")
    .option('--name <name>', 'new name')
    .option('--organisation <org>', 'new organisation')
    .option('--kind <kind>', 'existing or new')
    .option('--sandbox', 'make it a sandbox client')
    .option('--no-sandbox', 'make it a production client')
    .option('--fingerprint <sha256>', 'replace the certificate fingerprints with these (repeatable)', collect)
    .action(async (id: string, opts: UpdateOptions, cmd: Command) => {
      const g = globals(cmd);
      const patch = {
        ...(opts.name !== undefined && { name: opts.name }),
        ...(opts.organisation !== undefined && { organisation: opts.organisation }),
        ...(opts.kind !== undefined && { kind: opts.kind }),
        ...(opts.sandbox !== undefined && { sandbox: opts.sandbox }),
        ...(opts.fingerprint !== undefined && { certificateFingerprints: opts.fingerprint }),
      };
      if (Object.keys(patch).length === 0) {
        cmd.error(
          'error: nothing to change: give at least one of --name, --organisation, --kind, --[no-]sandbox, --fingerprint',
        );
      }
      await withGateway(async (gw) => {
        const view = clientView(gw.migration, await gw.clients.update(id, patch, g.operator));
        if (g.out.json) return g.out.printJson(view);
        g.out.print(`Updated ${view.id}: ${Object.keys(patch).join(', ')} (as ${g.operator}).`);
      });
    });

  clients
    .command('list')
    .description('every client with its migration status, last SOAP call and exceptions in force')
    .addOption(new Option('--status <status>', 'only clients with this status').choices(STATUSES))
    .option('--as-of <date>', 'the status on that day (YYYY-MM-DD) if each keeps calling what it calls now')
    .action(async (opts: { status?: string; asOf?: string }, cmd: Command) => {
      const g = globals(cmd);
      const asOf = asOfInstant(opts.asOf);
      await withGateway(async (gw) => {
        const all = (await gw.migration.all(asOf)).map((o) => overviewView(gw.migration, o));
        const shown = all.filter((o) => opts.status === undefined || o.migration.status === opts.status);
        if (g.out.json) return g.out.printJson({ clients: shown });
        const today = helsinkiDate(gw.migration.now());
        const day = opts.asOf ?? today;
        if (shown.length === 0) {
          g.out.print(all.length === 0 ? 'No clients registered.' : `No client has status ${opts.status}.`);
          return;
        }
        g.out.print(clientTable(shown, day, g.out));
        g.out.print(footer(shown, all, day, opts.asOf !== undefined));
      });
    });

  clients
    .command('show')
    .description('one client: details, interfaces and cut-offs, calls in 30 days, exceptions, audit trail')
    .argument('<id>', "the client's X-Road identifier")
    .option('--as-of <date>', 'the status on that day (YYYY-MM-DD) if it keeps calling what it calls now')
    .action(async (id: string, opts: { asOf?: string }, cmd: Command) => {
      const g = globals(cmd);
      const asOf = asOfInstant(opts.asOf);
      await withGateway(async (gw) => {
        const o = await gw.migration.of(id, asOf); // CLIENT_NOT_FOUND
        const view = {
          ...overviewView(gw.migration, o),
          audit: (await gw.clients.trail(id)).map(auditView),
        };
        if (g.out.json) return g.out.printJson(view);
        g.out.print(clientDetails(view, opts.asOf, helsinkiDate(gw.migration.now()), g.out));
      });
    });

  return clients;
}

function footer(shown: OverviewView[], all: OverviewView[], day: string, asOf: boolean): string {
  const of =
    shown.length === all.length
      ? plural(all.length, 'client')
      : `${shown.length} of ${plural(all.length, 'client')}`;
  const when = asOf ? `as of the end of ${day}` : 'now';
  return `\n${of}, status ${when}.\n${CLIENT_TABLE_LEGEND}`;
}

interface AddOptions {
  name?: string;
  organisation?: string;
  kind?: string;
  sandbox?: boolean;
  fingerprint?: string[];
}

interface UpdateOptions {
  name?: string;
  organisation?: string;
  kind?: string;
  sandbox?: boolean;
  fingerprint?: string[];
}
