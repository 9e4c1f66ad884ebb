import type { OverviewView } from '../ops/views';
import { daysToCutoff, helsinkiTime, lastSoapCall, openExceptions, statusLabel, statusStyle } from './format';
import type { Output } from './session';
import { type Column, renderTable } from './table';

/**
 * One line per client: where it stands in the migration on `day` (a Helsinki
 * date: today, or the what-if date), its last SOAP call and its exceptions
 * still in force on that day.
 */
export function clientTable(
  clients: readonly OverviewView[],
  day: string,
  out: Pick<Output, 'color' | 'width'>,
): string {
  const columns: Column<OverviewView>[] = [
    { header: 'CLIENT', value: (o) => o.id },
    { header: 'NAME', value: (o) => o.name, shrink: true },
    { header: 'KIND', value: (o) => (o.sandbox ? `${o.kind}*` : o.kind) },
    { header: 'STATUS', value: (o) => statusLabel(o.migration), style: (o) => statusStyle(o.migration) },
    { header: 'DAYS', value: (o) => daysToCutoff(o, day), align: 'right' },
    { header: 'LAST SOAP CALL', value: (o) => helsinkiTime(lastSoapCall(o)) },
    { header: 'EXC', value: (o) => String(openExceptions(o, day).length), align: 'right' },
  ];
  return renderTable(clients, columns, out);
}

/** What the short column headings of clientTable mean. */
export const CLIENT_TABLE_LEGEND =
  'KIND *: sandbox client.  EXC: exceptions in force on that day.  Times: Europe/Helsinki.\n' +
  'DAYS: to the cut-off the status is about (negative: past it).';
