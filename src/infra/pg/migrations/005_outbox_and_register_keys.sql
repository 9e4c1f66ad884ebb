-- The outbox: with a remote register (REGISTER_URL) a notification is committed here as pending before
-- any call goes out, and delivered by whichever instance claims it (FOR UPDATE SKIP LOCKED) once
-- next_attempt_at has come. After too many attempts, or too long, it needs an operator's attention
-- (attention_since); to its client it is still pending, being processed.
ALTER TABLE notifications ADD COLUMN attempts integer NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE notifications ADD COLUMN last_error text;
ALTER TABLE notifications ADD COLUMN attention_since timestamptz;
DROP INDEX notifications_pending;
CREATE INDEX notifications_due ON notifications (next_attempt_at NULLS FIRST)
  WHERE status = 'pending' AND attention_since IS NULL;
CREATE INDEX notifications_attention ON notifications (attention_since)
  WHERE status = 'pending' AND attention_since IS NOT NULL;

-- The register's side (the reference register service): the first answer given for each idempotency
-- key, so that a resend gets that answer again and never registers twice.
CREATE TABLE register_requests (
  key text PRIMARY KEY,
  fingerprint text NOT NULL,
  answer jsonb,
  received_at timestamptz NOT NULL
);
