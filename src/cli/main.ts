import { Command } from 'commander';
import { version } from '../../package.json';
import { auditCommand } from './commands/audit';
import { clientsCommand } from './commands/clients';
import { exceptionsCommand } from './commands/exceptions';
import { migrationCommand } from './commands/migration';
import { outboxCommand } from './commands/outbox';
import { registerCommand } from './commands/register';
import { replayCommand } from './commands/replay';
import { reportError } from './errors';
import { OPTION_NAMES } from './options';

/**
 * `vtj-gateway`: the operator's command-line tool. The same settings, database
 * and core as the gateway; every change is audited under --operator.
 */
export function buildProgram(): Command {
  const program = new Command('vtj-gateway')
    .description(
      'Operate the VTJ notification gateway: clients, SOAP exceptions, migration status, the outbox, the audit trail,\n' +
        'test persons; replay a backlog of notifications to a running gateway.\n' +
        'Uses the database the gateway uses: DATABASE_URL, else the embedded database in DATA_DIR (default ./data).',
    )
    .version(version)
    .option('--json', 'print JSON (the shapes of the /ops API) instead of tables')
    .option('--operator <name>', 'who is acting, for the audit trail (default cli:<your user name>)')
    .option('--no-color', 'no colour, even on a terminal')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const add of [
    clientsCommand,
    exceptionsCommand,
    migrationCommand,
    outboxCommand,
    auditCommand,
    registerCommand,
    replayCommand,
  ]) {
    add(program);
  }
  // Subcommands too: usage errors throw (exit code 1), so the database is never left open by process.exit.
  for (const cmd of allCommands(program)) cmd.exitOverride();
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs one command line and sets the exit code: 0 done, 1 refused or usage error, 2 settings, 3 database in use. */
export async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  // `vtj-gateway clients list | head`: the reader has gone; stop writing, still close the database.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err) {
    process.exitCode = reportError(err, { json, options: OPTION_NAMES });
  }
}
