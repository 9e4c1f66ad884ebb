import type { Command } from 'commander';
import { helsinkiDate } from '../../core/time/helsinki';
import { clientView, exceptionView } from '../../ops/views';
import { exceptionTable } from '../client-details';
import { globals } from '../options';
import { withGateway } from '../session';

export function exceptionsCommand(program: Command): Command {
  const exceptions = program
    .command('exceptions')
    .description('keep a SOAP interface open for one client past its cut-off, or stop doing so');

  exceptions
    .command('grant')
    .description('keep one SOAP interface open for a client to the end of a day (audited under --operator)')
    .argument('<clientId>', "the client's X-Road identifier")
    .option('--channel <channel>', 'legacy-soap or soap-v2 (required)')
    .option('--until <date>', 'last day it stays open, YYYY-MM-DD, Europe/Helsinki (required)')
    .option('--reason <text>', 'why (required; shown in the audit trail)')
    .action(
      async (clientId: string, opts: { channel?: string; until?: string; reason?: string }, cmd: Command) => {
        const g = globals(cmd);
        await withGateway(async (gw) => {
          const ex = exceptionView(await gw.clients.grantException(clientId, opts, g.operator));
          if (g.out.json) return g.out.printJson(ex);
          g.out.print(
            `Granted exception ${ex.id}: ${ex.channel} stays open for ${clientId} to the end of ${ex.until} (Helsinki), as ${g.operator}.`,
          );
          g.out.print(`Revoke it with: npx vtj-gateway exceptions revoke ${clientId} ${ex.id}`);
        });
      },
    );

  exceptions
    .command('revoke')
    .description('revoke an exception in force (audited under --operator)')
    .argument('<clientId>', "the client's X-Road identifier")
    .argument('<exceptionId>', 'the exception\'s id (see "exceptions list" or "clients show")')
    .action(async (clientId: string, exceptionId: string, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withGateway(async (gw) => {
        const ex = exceptionView(await gw.clients.revokeException(clientId, exceptionId, g.operator));
        if (g.out.json) return g.out.printJson(ex);
        g.out.print(
          `Revoked exception ${ex.id} (${ex.channel} until ${ex.until}) of ${clientId}, as ${g.operator}.`,
        );
      });
    });

  exceptions
    .command('list')
    .description("a client's exceptions: in force, expired and revoked")
    .argument('<clientId>', "the client's X-Road identifier")
    .action(async (clientId: string, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withGateway(async (gw) => {
        const view = clientView(gw.migration, await gw.clients.get(clientId));
        if (g.out.json) return g.out.printJson({ exceptions: view.exceptions });
        g.out.print(
          view.exceptions.length > 0
            ? exceptionTable(view.exceptions, helsinkiDate(gw.migration.now()), g.out)
            : `${clientId} has no exceptions.`,
        );
      });
    });

  return exceptions;
}
