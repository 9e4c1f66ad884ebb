/**
 * Calendar arithmetic in Europe/Helsinki, where every VTJ date lives (a child
 * born at 00:30 local time on 1 March is born on 1 March, whatever UTC says).
 * Uses the platform's IANA time-zone data through Intl; no rules are hand-coded.
 */
const ZONE = 'Europe/Helsinki';

const partsFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function localParts(instant: Date): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of partsFormat.formatToParts(instant)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

const WALL_CLOCK = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Europe/Helsinki',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Helsinki wall-clock time to the minute, for people: "2026-11-23 12:00". */
export function helsinkiDateTime(instant: Date): string {
  return WALL_CLOCK.format(instant);
}

/** The Helsinki calendar date of an instant, as YYYY-MM-DD. */
export function helsinkiDate(instant: Date): string {
  return new Date(instant.getTime() + offsetMinutes(instant) * 60000).toISOString().slice(0, 10);
}

// Helsinki's offset changes only on whole hours (at DST transitions), so it is asked of Intl once per
// hour and remembered: formatToParts was the slowest step of validating a notification.
const offsetByHour = new Map<number, number>();

/** Offset of Helsinki from UTC at the instant, in minutes (120 in winter, 180 in summer). */
function offsetMinutes(instant: Date): number {
  const hour = Math.floor(instant.getTime() / 3600000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const p = localParts(instant);
    const asUtc = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day, p.hour, p.minute, p.second);
    offset = Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
    if (offsetByHour.size > 100_000) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/** The instant at which the Helsinki wall clock shows the given date and time. */
export function helsinkiInstant(date: string, time = '00:00:00'): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm, ss] = time.split(':').map(Number);
  const wall = Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0, ss ?? 0);
  // Two passes settle the offset even on the day the clocks change.
  let guess = wall - offsetMinutes(new Date(wall)) * 60000;
  guess = wall - offsetMinutes(new Date(guess)) * 60000;
  return new Date(guess);
}

/** The last second of a Helsinki calendar day: cut-offs and exceptions end then. */
export function helsinkiEndOfDay(date: string): Date {
  return helsinkiInstant(date, '23:59:59');
}

/** Is YYYY-MM-DD a real Gregorian calendar date? */
export function isCalendarDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days from `from` to `to` (both YYYY-MM-DD), negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000);
}
