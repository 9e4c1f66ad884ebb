-- The audit trail of notification requests: one row per birth, death or status request on any channel,
-- answered or refused. No personal identity code in clear: the persons involved and the X-Road userId are
-- keyed hashes (HMAC-SHA-256), and free text the caller chose (client id, message id, notification id,
-- userId) has anything shaped like a code masked. Rows arrive in batches (AUDIT_FLUSH_MS).
CREATE TABLE notification_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  channel text NOT NULL,
  operation text CHECK (operation IN ('birth', 'death', 'status')),
  -- The identified client; when the caller was not identified, the client the request named (if any).
  client_id text,
  client_identified boolean NOT NULL,
  x_road_id text,
  user_id text,
  user_hash text,
  notification_id text,
  -- REGISTERED, PENDING, REJECTED (status queries) or the error code the caller was answered with.
  outcome text NOT NULL,
  replayed boolean NOT NULL DEFAULT false,
  http_status smallint NOT NULL,
  person_hashes text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX notification_audit_at ON notification_audit (at, id);
CREATE INDEX notification_audit_client ON notification_audit (client_id, at);
CREATE INDEX notification_audit_notification ON notification_audit (notification_id);
CREATE INDEX notification_audit_user ON notification_audit (user_hash) WHERE user_hash IS NOT NULL;
CREATE INDEX notification_audit_persons ON notification_audit USING gin (person_hashes);

-- Append-only, enforced here and not only by the code: no UPDATE, no TRUNCATE, and a DELETE only of rows
-- older than the instant the retention purge names in its own transaction (SET LOCAL
-- vtj.audit_purge_before), so even the purge cannot take a recent row.
CREATE FUNCTION notification_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purge_before text := current_setting('vtj.audit_purge_before', true);
BEGIN
  IF TG_OP = 'DELETE' AND purge_before IS NOT NULL AND purge_before <> ''
     AND OLD.at < purge_before::timestamptz THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'notification_audit is append-only: % refused', TG_OP
    USING HINT = 'rows leave the audit trail only through its retention purge';
END;
$$;
CREATE TRIGGER notification_audit_append_only BEFORE UPDATE OR DELETE ON notification_audit
  FOR EACH ROW EXECUTE FUNCTION notification_audit_append_only();

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% of % refused: the table is append-only', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER notification_audit_no_truncate BEFORE TRUNCATE ON notification_audit
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The key of those hashes when AUDIT_HASH_KEY is not set: made once, by whichever instance starts first,
-- and never changed, so hashes stay comparable across restarts and instances.
CREATE TABLE audit_hash_key (
  id smallint PRIMARY KEY CHECK (id = 1),
  key text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE TRIGGER audit_hash_key_fixed BEFORE UPDATE OR DELETE ON audit_hash_key
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_hash_key_no_truncate BEFORE TRUNCATE ON audit_hash_key
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
