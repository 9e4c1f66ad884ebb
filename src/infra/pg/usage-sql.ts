import type { UsageStore, UsageSummary } from '../../core/clients/usage';
import type { Queryable, Row } from './database';

export function usageQueries(q: Queryable): UsageStore {
  return {
    async add(deltas) {
      if (deltas.length === 0) return;
      const doc = deltas.map((d) => ({
        client_id: d.clientId,
        channel: d.channel,
        day: d.day,
        accepted: d.accepted,
        refused: d.refused,
        first_seen: d.firstSeen.toISOString(),
        last_seen: d.lastSeen.toISOString(),
        last_accepted: d.lastAccepted?.toISOString() ?? null,
        last_retired_refusal: d.lastRetiredRefusal?.toISOString() ?? null,
      }));
      // Counts add up; times keep the earliest first and the latest last. Clients deleted meanwhile are skipped.
      await q.query(
        `INSERT INTO channel_usage AS u (client_id, channel, day, accepted, refused, first_seen, last_seen,
           last_accepted, last_retired_refusal)
         SELECT v.* FROM jsonb_to_recordset($1::jsonb) AS v(client_id text, channel text, day date, accepted int,
           refused int, first_seen timestamptz, last_seen timestamptz, last_accepted timestamptz,
           last_retired_refusal timestamptz)
         WHERE EXISTS (SELECT 1 FROM clients c WHERE c.id = v.client_id)
         ORDER BY v.client_id, v.channel, v.day
         ON CONFLICT (client_id, channel, day) DO UPDATE SET
           accepted = u.accepted + EXCLUDED.accepted,
           refused = u.refused + EXCLUDED.refused,
           first_seen = LEAST(u.first_seen, EXCLUDED.first_seen),
           last_seen = GREATEST(u.last_seen, EXCLUDED.last_seen),
           last_accepted = GREATEST(u.last_accepted, EXCLUDED.last_accepted),
           last_retired_refusal = GREATEST(u.last_retired_refusal, EXCLUDED.last_retired_refusal)`,
        [JSON.stringify(doc)],
      );
    },

    async summary(sinceDay, clientId) {
      const rows = await q.query(
        `SELECT client_id, channel, sum(accepted)::int AS accepted, sum(refused)::int AS refused,
           min(first_seen) AS first_seen, max(last_seen) AS last_seen,
           max(last_accepted) AS last_accepted, max(last_retired_refusal) AS last_retired_refusal
         FROM channel_usage WHERE day >= $1::date AND ($2::text IS NULL OR client_id = $2)
         GROUP BY client_id, channel ORDER BY client_id, channel`,
        [sinceDay, clientId ?? null],
      );
      return rows.map(toSummary);
    },
  };
}

function toSummary(r: Row): UsageSummary {
  return {
    clientId: r.client_id as string,
    channel: r.channel as UsageSummary['channel'],
    accepted: Number(r.accepted),
    refused: Number(r.refused),
    firstSeen: r.first_seen as Date,
    lastSeen: r.last_seen as Date,
    lastAccepted: (r.last_accepted as Date | null) ?? null,
    lastRetiredRefusal: (r.last_retired_refusal as Date | null) ?? null,
  };
}
