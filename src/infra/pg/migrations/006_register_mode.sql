-- Which register the outbox belongs to: the embedded one (REGISTER_URL unset) or a remote one. A pending
-- notification is the business of that register alone: settled by another (withdrawn without asking it,
-- or registered with other codes), the gateway would contradict what the register holds. A gateway
-- records its mode when it starts, and refuses to start in the other while notifications are pending.
-- A remote register is recorded as just "remote": its URL's origin is no stable identity of it.
CREATE TABLE register_mode (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  mode text NOT NULL CHECK (mode IN ('embedded', 'remote')),
  recorded_at timestamptz NOT NULL
);

-- A database in use before this was recorded, with notifications pending: a remote register's outbox
-- counts an attempt at once (and notes the error of one that failed); the embedded register's never does.
INSERT INTO register_mode (mode, recorded_at)
SELECT CASE WHEN bool_or(attempts > 0 OR last_error IS NOT NULL) THEN 'remote' ELSE 'embedded' END, now()
FROM notifications WHERE status = 'pending'
HAVING count(*) > 0;
