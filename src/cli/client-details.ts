import { CHANNELS } from '../core/clients/client';
import { helsinkiDate } from '../core/time/helsinki';
import type { AuditView, ExceptionView, OverviewView } from '../ops/views';
import { auditDetails, helsinkiTime, kindLabel, NONE, statusLabel, statusStyle } from './format';
import type { Output } from './session';
import { type Column, paint, renderFields, renderTable } from './table';

type Shown = OverviewView & { audit: AuditView[] };

/** `clients show`: the client, its interfaces and cut-offs, its calls, its exceptions and its audit trail. */
export function clientDetails(
  o: Shown,
  asOf: string | undefined,
  today: string,
  out: Pick<Output, 'color' | 'width'>,
): string {
  const sections = [
    paint(o.id, 'bold', out.color),
    renderFields(
      [
        ['name', o.name],
        ['organisation', o.organisation],
        ['kind', kindLabel(o)],
        ['fingerprints', o.certificateFingerprints.join(' ') || NONE],
        ['registered', `${helsinkiTime(o.createdAt)}  (changed ${helsinkiTime(o.updatedAt)})`],
        [asOf ? `status on ${asOf}` : 'status', statusLabel(o.migration), statusStyle(o.migration)],
        ['', o.migration.reason],
      ],
      { color: out.color, indent: '  ' },
    ),
    heading('Interfaces (now; calls in the last 30 days)', out),
    renderTable(channelRows(o), channelColumns, out),
    heading('Exceptions', out),
    o.exceptions.length > 0 ? exceptionTable(o.exceptions, today, out) : 'none',
    heading('Audit trail', out),
    o.audit.length > 0 ? renderTable(o.audit, auditColumns, out) : 'none',
  ];
  return sections.join('\n');
}

export function exceptionTable(
  exceptions: readonly ExceptionView[],
  /** Helsinki date, from the gateway's clock: which exceptions are still in force. */
  today: string,
  out: Pick<Output, 'color' | 'width'>,
): string {
  const columns: Column<ExceptionView>[] = [
    { header: 'ID', value: (e) => e.id },
    { header: 'INTERFACE', value: (e) => e.channel },
    { header: 'UNTIL', value: (e) => e.until },
    { header: 'STATE', value: (e) => exceptionState(e, today) },
    { header: 'GRANTED', value: (e) => `${helsinkiTime(e.grantedAt)} by ${e.grantedBy}`, shrink: true },
    { header: 'REASON', value: (e) => e.reason, shrink: true },
  ];
  return renderTable(exceptions, columns, out);
}

function exceptionState(e: ExceptionView, today: string): string {
  if (e.revokedAt) return `revoked ${helsinkiDay(e.revokedAt)} by ${e.revokedBy ?? '?'}`;
  return e.until < today ? 'expired' : 'in force';
}

const helsinkiDay = (iso: string) => helsinkiDate(new Date(iso));

interface ChannelRow {
  channel: string;
  now: string;
  cutoff: string;
  accepted: string;
  refused: string;
  firstSeen: string;
  lastSeen: string;
}

function channelRows(o: Shown): ChannelRow[] {
  return CHANNELS.map((ch) => {
    const decision = o.channels[ch] as { allowed: boolean; code?: string } | undefined;
    const used = o.usage.find((u) => u.channel === ch);
    const cutoff = ch === 'rest' ? null : o.migration.cutoffs[ch];
    return {
      channel: ch,
      now: decision?.allowed ? 'allowed' : decision?.code === 'CHANNEL_RETIRED' ? 'retired' : 'not allowed',
      cutoff: cutoff ?? NONE,
      accepted: String(used?.accepted30d ?? 0),
      refused: String(used?.refused30d ?? 0),
      firstSeen: helsinkiTime(used?.firstSeen),
      lastSeen: helsinkiTime(used?.lastSeen),
    };
  });
}

const channelColumns: Column<ChannelRow>[] = [
  { header: 'INTERFACE', value: (r) => r.channel },
  {
    header: 'NOW',
    value: (r) => r.now,
    style: (r) => (r.now === 'allowed' ? undefined : r.now === 'retired' ? 'red' : 'dim'),
  },
  { header: 'CUT-OFF', value: (r) => r.cutoff },
  { header: 'ALLOWED', value: (r) => r.accepted, align: 'right' },
  { header: 'REFUSED', value: (r) => r.refused, align: 'right' },
  { header: 'FIRST SEEN', value: (r) => r.firstSeen },
  { header: 'LAST SEEN', value: (r) => r.lastSeen },
];

const auditColumns: Column<AuditView>[] = [
  { header: 'AT', value: (a) => helsinkiTime(a.at) },
  { header: 'OPERATOR', value: (a) => a.operator },
  { header: 'ACTION', value: (a) => a.action },
  { header: 'DETAILS', value: auditDetails, shrink: true },
];

function heading(text: string, out: Pick<Output, 'color'>): string {
  return `\n${paint(text, 'bold', out.color)}`;
}
