import pg from 'pg';

/**
 * PostgreSQL's write-ahead log since a moment (pg_stat_wal, PostgreSQL 14+):
 * records and bytes, and the commits of the benchmark's database. Unlike CPU
 * time on a shared machine, these do not vary from run to run: they count the
 * work a registration makes the server write, whatever else the machine does.
 * Cluster-wide, so they mean something only while nothing else writes.
 * Bytes come from the log's insert position, exact at the reading. Records,
 * full-page images and commits come from the statistics, which a backend
 * reports at most once a second while busy, after 10 s idle, and when it
 * exits (PostgreSQL 15's statistics; pg_stat_wal itself is 14+): read them
 * before a run once the warm-up's connections have been idle for
 * WAL_STATS_SETTLE_MS, and after it once its connections are closed.
 */
export const WAL_STATS_SETTLE_MS = 11_000;

export interface WalUsage {
  records: number;
  bytes: number;
  fullPageImages: number;
  commits: number;
}

export async function walUsage(url: string): Promise<WalUsage> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT w.wal_records AS records, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0') AS bytes,
              w.wal_fpi AS fpi, d.xact_commit AS commits
       FROM pg_stat_wal w, pg_stat_database d WHERE d.datname = current_database()`,
    );
    const r = rows[0] ?? {};
    return {
      records: Number(r.records),
      bytes: Number(r.bytes),
      fullPageImages: Number(r.fpi),
      commits: Number(r.commits),
    };
  } finally {
    await client.end();
  }
}

/** Per request, between two readings: one line for the benchmark's output. */
export function walPerRequest(before: WalUsage, after: WalUsage, requests: number): string {
  const per = (k: keyof WalUsage) => (after[k] - before[k]) / Math.max(1, requests);
  return (
    `PostgreSQL WAL per request: ${per('records').toFixed(2)} records, ${per('bytes').toFixed(0)} bytes ` +
    `(${per('fullPageImages').toFixed(3)} full-page images); ${per('commits').toFixed(3)} commits`
  );
}
