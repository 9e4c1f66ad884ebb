-- Calls per client, channel and Helsinki day: what the migration status is judged on.
-- Written in aggregated flushes (never one update per request), so no row is hot.
CREATE TABLE channel_usage (
  client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('rest', 'soap-v2', 'legacy-soap')),
  day date NOT NULL,
  accepted integer NOT NULL DEFAULT 0,
  refused integer NOT NULL DEFAULT 0,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  last_accepted timestamptz,
  last_retired_refusal timestamptz,
  PRIMARY KEY (client_id, channel, day)
);
