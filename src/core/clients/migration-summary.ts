import type { CutoffSettings } from './channel-policy';
import { CHANNELS, SOAP_CHANNELS } from './client';
import type { ClientOverview } from './migration-overview';

/** Counts per status and per channel (clients that called it in 30 days, and their calls), and the cut-offs. */
export function migrationSummary(all: ClientOverview[], settings: CutoffSettings) {
  const byStatus = { ok: 0, 'fix-by': 0, overdue: 0 };
  const byChannel = Object.fromEntries(
    CHANNELS.map((c) => [c, { clients: 0, accepted30d: 0, refused30d: 0 }]),
  );
  for (const o of all) {
    byStatus[o.status.status]++;
    for (const u of o.usage) {
      const c = byChannel[u.channel] as { clients: number; accepted30d: number; refused30d: number };
      c.clients++;
      c.accepted30d += u.accepted;
      c.refused30d += u.refused;
    }
  }
  return {
    clients: all.length,
    byStatus,
    byChannel,
    cutoffs: Object.fromEntries(SOAP_CHANNELS.map((c) => [c, settings.cutoffs[c].toISOString()])),
  };
}
