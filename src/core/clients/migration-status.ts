import { plural } from '../plural';
import { daysBetween, helsinkiDate } from '../time/helsinki';
import { type CutoffSettings, effectiveCutoff } from './channel-policy';
import { type Channel, type Client, SOAP_CHANNELS, type SoapChannel } from './client';

/** A client's calls on one channel: what the status is judged on. */
export interface ChannelUsage {
  channel: Channel;
  /** Last accepted call, and last call refused because the channel was retired for the client. */
  lastAccepted: Date | null;
  lastRetiredRefusal: Date | null;
}

export type Severity = 'notice' | 'warning' | 'urgent';

export type MigrationStatus =
  | { status: 'ok'; reason: string }
  | { status: 'fix-by'; fixBy: string; severity: Severity; channel: SoapChannel; reason: string }
  | { status: 'overdue'; channel: SoapChannel; reason: string };

const WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * Where a client stands in the migration (contract §4), after Shopify's API
 * health report: `overdue` when it called a retired SOAP channel in the last
 * 30 days; `fix-by` (the Helsinki date of its earliest effective cut-off
 * among the SOAP channels it used) until 30 days after its last SOAP call —
 * `urgent` under 30 days before that date, `warning` from 9 months before,
 * `notice` earlier; otherwise `ok`.
 *
 * `asOf` asks "what if": the status on a later date, assuming the client
 * keeps calling what it called in the 30 days before `now`.
 */
export function migrationStatus(
  client: Client,
  usage: readonly ChannelUsage[],
  now: Date,
  settings: CutoffSettings,
  asOf: Date = now,
): MigrationStatus {
  const recent = (d: Date | null) => d !== null && now.getTime() - d.getTime() <= WINDOW_DAYS * DAY_MS;
  const soap = usage.filter((u): u is ChannelUsage & { channel: SoapChannel } => u.channel !== 'rest');

  const refused = soap.find((u) => recent(u.lastRetiredRefusal));
  if (refused) {
    return {
      status: 'overdue',
      channel: refused.channel,
      reason: `Called ${refused.channel} after it was retired for this client (last ${helsinkiDate(refused.lastRetiredRefusal as Date)}).`,
    };
  }
  const used = soap
    .filter((u) => recent(u.lastAccepted))
    .map((u) => ({ ...u, cutoff: effectiveCutoff(client, u.channel, settings) }))
    .sort((a, b) => a.cutoff.getTime() - b.cutoff.getTime());
  const first = used[0];
  if (!first) return { status: 'ok', reason: `No SOAP calls in the last ${WINDOW_DAYS} days.` };

  const last = helsinkiDate(first.lastAccepted as Date);
  if (first.cutoff.getTime() < asOf.getTime()) {
    return {
      status: 'overdue',
      channel: first.channel,
      reason: `Still calling ${first.channel} (last ${last}), whose cut-off ${helsinkiDate(first.cutoff)} is before ${helsinkiDate(asOf)}.`,
    };
  }
  const fixBy = helsinkiDate(first.cutoff);
  const daysLeft = daysBetween(helsinkiDate(asOf), fixBy);
  // SOAP v2 is worth naming only while it stays open for this client after the legacy cut-off.
  const v2Later =
    first.channel === 'legacy-soap' &&
    effectiveCutoff(client, 'soap-v2', settings).getTime() > first.cutoff.getTime();
  const severity: Severity =
    daysLeft < WINDOW_DAYS ? 'urgent' : fixBy <= addMonths(helsinkiDate(asOf), 9) ? 'warning' : 'notice';
  return {
    status: 'fix-by',
    fixBy,
    severity,
    channel: first.channel,
    reason: `Called ${first.channel} on ${last}; move to ${v2Later ? 'SOAP v2 or REST' : 'REST'} by ${fixBy} (${plural(daysLeft, 'day')} left).`,
  };
}

/** The SOAP channels' effective cut-offs for a client, as Helsinki dates (`null`: never open to it). */
export function effectiveCutoffs(
  client: Client,
  settings: CutoffSettings,
): Record<SoapChannel, string | null> {
  const out = {} as Record<SoapChannel, string | null>;
  for (const ch of SOAP_CHANNELS)
    out[ch] = client.kind === 'new' ? null : helsinkiDate(effectiveCutoff(client, ch, settings));
  return out;
}

/** YYYY-MM-DD plus whole months, clamped to the month's last day (2026-05-31 + 9 months = 2027-02-28). */
function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = (m - 1 + months) % 12;
  const year = y + Math.floor((m - 1 + months) / 12);
  const last = new Date(Date.UTC(year, total + 1, 0)).getUTCDate();
  return `${year}-${String(total + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
