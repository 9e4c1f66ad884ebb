-- The GIN index over the audit rows' person hashes took new entries into its pending list (fastupdate)
-- and merged the whole list into the index in the one insert that found it past gin_pending_list_limit
-- (4 MB): at 1,100 births a second, an audit flush of 160–200 ms every 20 s or so. On the embedded store
-- that flush runs on the event loop, so every request in flight waited for it, and the gateway's p99 at
-- half its peak rate was 110–175 ms against the baseline's 14 (BENCHMARKS.md). Entries now go into the
-- index as each row is inserted: a few microseconds more per row on PostgreSQL, and no periodic stall.
ALTER INDEX notification_audit_persons SET (fastupdate = off);
-- What an existing database has in its pending list goes into the index now, once.
SELECT gin_clean_pending_list('notification_audit_persons'::regclass);
