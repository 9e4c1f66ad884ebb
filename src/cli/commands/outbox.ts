import type { Command } from 'commander';
import { type OutboxEntryView, outboxEntryView } from '../../ops/views';
import { globals } from '../options';
import { withGateway } from '../session';
import { renderTable } from '../table';

/** Every outbox command runs in the register mode the database records (session.ts). */
const OUTBOX = { outbox: true };

export function outboxCommand(program: Command): Command {
  const outbox = program
    .command('outbox')
    .description(
      'notifications the register has not taken yet: see them, retry one or all now, or withdraw one',
    );

  outbox
    .command('list')
    .description('those needing attention (and with --all also those the outbox still tries), oldest first')
    .option('--all', 'also the pending notifications the outbox still tries by itself')
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withGateway(async (gw) => {
        const attention = (await gw.outbox.list(true)).map(outboxEntryView);
        const pending = opts.all ? (await gw.outbox.list(false)).map(outboxEntryView) : [];
        if (g.out.json)
          return g.out.printJson({ needsAttention: attention, ...(opts.all ? { pending } : {}) });
        const rows = [...attention, ...pending];
        if (rows.length === 0) {
          return g.out.print(opts.all ? 'Nothing is pending.' : 'No notification needs attention.');
        }
        g.out.print(
          renderTable<OutboxEntryView>(
            rows,
            [
              { header: 'CLIENT', value: (r) => r.clientId, shrink: true },
              { header: 'NOTIFICATION', value: (r) => r.notificationId, shrink: true },
              { header: 'KIND', value: (r) => r.kind },
              { header: 'RECEIVED', value: (r) => r.receivedAt.slice(0, 19).replace('T', ' ') },
              { header: 'ATTEMPTS', value: (r) => String(r.attempts), align: 'right' },
              {
                header: 'STATE',
                value: (r) => (r.needsAttentionSince ? 'needs attention' : 'retrying'),
                style: (r) => (r.needsAttentionSince ? 'red' : undefined),
              },
              { header: 'LAST ERROR', value: (r) => r.lastError ?? '', shrink: true },
            ],
            g.out,
          ),
        );
      }, OUTBOX);
    });

  outbox
    .command('retry')
    .description(
      'send one notification to the register again now, or with --all every one needing attention, attempts counted from zero (each audited under --operator)',
    )
    .argument('[clientId]', "the client's X-Road identifier")
    .argument('[notificationId]', "the client's notification id")
    .option('--all', 'every notification needing attention (after an outage)')
    .option('--client <id>', 'with --all: only those of this client')
    .action(
      async (
        clientId: string | undefined,
        notificationId: string | undefined,
        opts: { all?: boolean; client?: string },
        cmd: Command,
      ) => {
        const g = globals(cmd);
        if (opts.all ? clientId !== undefined : clientId === undefined || notificationId === undefined) {
          cmd.error('error: give <clientId> <notificationId>, or --all [--client <id>]');
        }
        if (opts.client !== undefined && !opts.all) cmd.error('error: --client goes with --all');
        await withGateway(async (gw) => {
          if (opts.all) {
            const retried = await gw.outbox.retryAll(opts.client, g.operator);
            if (g.out.json) return g.out.printJson({ retried });
            return g.out.print(
              `${retried} ${retried === 1 ? 'notification is' : 'notifications are'} due now${opts.client ? ` (of ${opts.client})` : ''}; the gateway sends them on its next rounds.`,
            );
          }
          const key = { clientId: clientId as string, notificationId: notificationId as string };
          const n = outboxEntryView(await gw.outbox.retry(key, g.operator));
          if (g.out.json) return g.out.printJson(n);
          g.out.print(
            `${key.notificationId} of ${key.clientId} is due now; the gateway sends it on its next round.`,
          );
        }, OUTBOX);
      },
    );

  outbox
    .command('withdraw')
    .description(
      "close it for good: the register's final answer is recorded, REGISTRATION_WITHDRAWN or what it had answered (audited)",
    )
    .argument('<clientId>', "the client's X-Road identifier")
    .argument('<notificationId>', "the client's notification id")
    .action(async (clientId: string, notificationId: string, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withGateway(async (gw) => {
        const n = outboxEntryView(await gw.outbox.withdraw({ clientId, notificationId }, g.operator));
        if (g.out.json) return g.out.printJson(n);
        g.out.print(
          `${notificationId} of ${clientId} is now ${n.status}${n.rejectionCode ? ` (${n.rejectionCode})` : ''}.`,
        );
      }, OUTBOX);
    });
  return outbox;
}
