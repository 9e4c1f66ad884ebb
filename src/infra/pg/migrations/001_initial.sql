-- Clients of the gateway: one X-Road subsystem each (contract §4).
CREATE TABLE clients (
  id text PRIMARY KEY,
  name text NOT NULL,
  organisation text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('existing', 'new')),
  sandbox boolean NOT NULL DEFAULT false,
  certificate_fingerprints text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- An exception keeps one SOAP channel open for one client until the end of `until` (Helsinki).
CREATE TABLE channel_exceptions (
  id uuid PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('legacy-soap', 'soap-v2')),
  until date NOT NULL,
  reason text NOT NULL,
  granted_by text NOT NULL,
  granted_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_by text
);
CREATE INDEX channel_exceptions_client ON channel_exceptions (client_id);

-- The embedded population register: persons by personal identity code.
CREATE TABLE persons (
  personal_identity_code text PRIMARY KEY,
  birth_date date NOT NULL,
  sex text NOT NULL CHECK (sex IN ('male', 'female')),
  temporary boolean NOT NULL,
  death_date text,
  death_date_latest date
);

-- The last individual number handed out per birth date, pool and parity.
-- Its row lock serialises concurrent births of the same day across instances.
CREATE TABLE code_series (
  birth_date date NOT NULL,
  pool text NOT NULL CHECK (pool IN ('permanent', 'temporary')),
  parity smallint NOT NULL CHECK (parity IN (0, 1)),
  sign_index smallint NOT NULL,
  last_number smallint NOT NULL,
  PRIMARY KEY (birth_date, pool, parity)
);

-- One row per (client, notificationId): the idempotency record and the result in one.
CREATE TABLE notifications (
  client_id text NOT NULL REFERENCES clients (id),
  notification_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('birth', 'death')),
  channel text NOT NULL CHECK (channel IN ('rest', 'soap-v2', 'legacy-soap')),
  fingerprint text NOT NULL,
  sandbox boolean NOT NULL,
  content jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'registered', 'rejected')),
  child_code text,
  rejection jsonb,
  received_at timestamptz NOT NULL,
  registered_at timestamptz,
  updated_at timestamptz NOT NULL,
  CONSTRAINT notifications_pkey PRIMARY KEY (client_id, notification_id)
);
CREATE INDEX notifications_pending ON notifications (received_at) WHERE status = 'pending';
