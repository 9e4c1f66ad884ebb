-- Large batches (POST /v1/batches as NDJSON): every line is stored before the batch is acknowledged
-- (202), then decided in the background by whichever instance claims its items. A claim is a lease
-- (claimed_by, claimed_until): an item whose holder died is claimed again once the lease has run out,
-- and decided again, harmlessly, since its notificationId makes a repeat a replay.
CREATE TABLE batches (
  id uuid PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients (id),
  -- receiving: lines still arriving (seen by nobody); open: items waiting; done: every item answered.
  state text NOT NULL CHECK (state IN ('receiving', 'open', 'done')),
  received_at timestamptz NOT NULL,
  total integer NOT NULL DEFAULT 0,
  completed_at timestamptz,
  -- Batches take turns: the one claimed from longest ago goes first.
  last_claimed_at timestamptz
);
CREATE INDEX batches_open ON batches (last_claimed_at NULLS FIRST, received_at) WHERE state = 'open';
CREATE INDEX batches_receiving ON batches (received_at) WHERE state = 'receiving';

CREATE TABLE batch_items (
  batch_id uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  idx integer NOT NULL,
  line integer NOT NULL,
  -- The line as sent, until it is decided.
  body text,
  outcome text CHECK (outcome IN ('registered', 'accepted', 'refused')),
  code text,
  replayed boolean NOT NULL DEFAULT false,
  -- The item's answer, as GET /v1/batches/{id} shows it.
  result jsonb,
  claimed_by text,
  claimed_until timestamptz,
  claims integer NOT NULL DEFAULT 0,
  PRIMARY KEY (batch_id, idx)
);
CREATE INDEX batch_items_waiting ON batch_items (batch_id, idx) WHERE outcome IS NULL;
