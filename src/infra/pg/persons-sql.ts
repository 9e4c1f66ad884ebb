import { CodeHeld, type RegisterPort } from '../../core/ports';
import type { CodeSeriesKey, CodeSeriesPosition, Person, PersonLoad } from '../../core/register/person';
import type { Queryable, Row } from './database';
import { LOCK_PERSONS, lockSeries, PERSON_COLUMNS } from './register-locks-sql';
import { type RegisterMode, RegisterModeChanged } from './register-mode-sql';
import type { SeriesViewSession } from './series-view';
import {
  assumedLiving,
  SpeculationStale,
  SpeculationUnsupported,
  seriesMove,
  speculativeLock,
} from './speculative-lock';
import { type Deferred, WriteBehind } from './write-behind';

const seriesColumns = (series: readonly { key: CodeSeriesKey }[]) => [
  series.map((s) => s.key.birthDate),
  series.map((s) => s.key.pool),
  series.map((s) => s.key.parity),
];

/**
 * Creates the series named at their initial position, in the order given, and returns those it created
 * (locked: they are this transaction's own rows until it commits). One that another transaction created
 * meanwhile is skipped, and locked by lockSeries afterwards. A series is new once a day and pool.
 */
const CREATE_SERIES = `INSERT INTO code_series (birth_date, pool, parity, sign_index, last_number)
  SELECT v.birth_date, v.pool, v.parity, v.sign_index, v.last_number
  FROM unnest($1::date[], $2::text[], $3::smallint[], $4::smallint[], $5::smallint[])
    WITH ORDINALITY AS v(birth_date, pool, parity, sign_index, last_number, ord)
  ORDER BY v.ord
  ON CONFLICT (birth_date, pool, parity) DO NOTHING
  RETURNING birth_date, pool, parity, sign_index, last_number`;

type SeriesToLock = { key: CodeSeriesKey; initial: CodeSeriesPosition };

/** Up to this many series a transaction moves each by an UPDATE of its own (saveCodeSeries). */
const FEW_SERIES = 8;

/** New persons whose code is free; one row back for each that went in. */
const CLAIM_PERSONS = `INSERT INTO persons (personal_identity_code, birth_date, sex, temporary, mother_code)
  SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::boolean[], $5::text[])
  ON CONFLICT (personal_identity_code) DO NOTHING RETURNING personal_identity_code AS code`;

const seriesParams = (series: readonly { key: CodeSeriesKey }[]) => seriesColumns(series);
const initialParams = (series: readonly SeriesToLock[]) => [
  ...seriesColumns(series),
  series.map((s) => s.initial.signIndex),
  series.map((s) => s.initial.number),
];

const seriesId = (r: Row) => `${r.birth_date}/${r.pool}/${Number(r.parity)}`;
const keyId = (k: CodeSeriesKey) => `${k.birthDate}/${k.pool}/${k.parity}`;

/**
 * A series named twice in one call is refused, as the upsert that locked series before refused a row
 * changed twice by one statement: SQLSTATE 21000 (cardinality violation), raised in SQL so that it aborts
 * the transaction as any failed statement does. The core names each series once.
 */
const REFUSE_TWICE = 'SELECT (SELECT n FROM (VALUES (1), (2)) AS named_twice(n)) AS refused';

async function refuseDuplicates(q: Queryable, series: readonly { key: CodeSeriesKey }[]): Promise<void> {
  if (new Set(series.map((s) => keyId(s.key))).size < series.length) await q.query(REFUSE_TWICE);
}

/**
 * The series lockSeries did not find (`found`): created, or, when another
 * transaction created one meanwhile, locked as it committed it (a later
 * statement sees it). Returns every row it locked.
 */
async function lockMissing(
  q: Queryable,
  series: readonly SeriesToLock[],
  found: readonly Row[],
): Promise<Row[]> {
  const have = new Set(found.map(seriesId));
  let missing = series.filter((s) => !have.has(keyId(s.key)));
  const rows: Row[] = [];
  for (let attempt = 0; missing.length > 0; attempt++) {
    if (attempt === 3) throw new Error('code series could be neither created nor found');
    rows.push(...(await q.query<Row>(CREATE_SERIES, initialParams(missing))));
    const created = new Set(rows.map(seriesId));
    const taken = missing.filter((s) => !created.has(keyId(s.key)));
    if (taken.length === 0) break;
    const locked = await q.query<Row>(lockSeries(1, ''), seriesParams(taken));
    rows.push(...locked);
    const now = new Set(locked.map(seriesId));
    missing = taken.filter((s) => !now.has(keyId(s.key)));
  }
  return rows;
}

/** The locked rows' positions, in the order the series were given. */
function positionsOf(series: readonly SeriesToLock[], rows: readonly Row[]): CodeSeriesPosition[] {
  const byKey = new Map(rows.map((r) => [seriesId(r), r]));
  return series.map(({ key, initial }) => {
    const r = byKey.get(keyId(key));
    return r ? { signIndex: Number(r.sign_index), number: Number(r.last_number) } : initial;
  });
}

/**
 * The register's tables. `registerMode` (the gateway's own embedded register): the transaction's first
 * lock also reads the register mode the database records (its table's ACCESS SHARE lock held to the end:
 * register-mode-sql.ts), in the same statement, and
 * refuses (RegisterModeChanged) when the outbox now belongs to the remote register: an instance left
 * running in the old mode must not go on handing out codes the remote register does not know.
 *
 * `view` (the store's, per transaction): where this instance saw its code series last. When it knows
 * every series a batch of births draws from, the persons and series are not locked by a statement of
 * their own: the transaction speculates that each person exists with no death recorded and that each
 * series stands where the view says, decides on that, and checks it, with the same locks, in front of
 * its last statement (speculative-lock.ts; each series moves there by compare-and-set): one round trip
 * instead of two. A check that fails undoes the transaction before any other write, and the store runs
 * it again the locking way.
 */
export function registerQueries(
  q: Queryable | WriteBehind,
  registerMode?: RegisterMode,
  view?: SeriesViewSession,
): RegisterPort {
  // Writes nothing waits for: held back and sent with the batch's notification insert when possible.
  const later = async (sql: string, params: unknown[]) => {
    if (q instanceof WriteBehind) q.defer(sql, params);
    else await q.query(sql, params);
  };
  // Read committed returns a row whose lock was waited for as its holder committed it; what the holder
  // wrote elsewhere (a mother's new child) the next statement sees (latestChildBirthDates).
  const lockPersons = async (codes: readonly string[]) =>
    codes.length === 0 ? [] : (await q.query(LOCK_PERSONS, [codes])).map(toPerson);
  /** Positions the core will start from: the view keeps them, until the transaction fails. */
  const learn = (series: readonly { key: CodeSeriesKey }[], positions: readonly CodeSeriesPosition[]) =>
    series.forEach((s, i) => {
      view?.set(keyId(s.key), positions[i] as CodeSeriesPosition);
    });
  /** The moves of the series speculated on, by series, while they can still be changed. */
  const moves = new Map<string, { moveTo: (to: CodeSeriesPosition) => void; handle: Deferred }>();
  /** Births only, a few series, every one in the view, each named once: the persons and series as speculated. */
  const speculate = (codes: readonly string[], series: readonly SeriesToLock[]) => {
    if (!view?.maySpeculate || !(q instanceof WriteBehind)) return undefined;
    if (series.length === 0 || series.length > FEW_SERIES) return undefined;
    if (new Set(series.map((s) => keyId(s.key))).size < series.length) return undefined;
    const positions: CodeSeriesPosition[] = [];
    for (const s of series) {
      const at = view.view.speculate(keyId(s.key));
      if (at === undefined) return undefined;
      positions.push(at);
    }
    const stale = { rows: 1, error: () => new SpeculationStale(), guard: true };
    const check = speculativeLock(codes, registerMode);
    q.defer(check.sql, check.params, stale);
    series.forEach((s, i) => {
      const move = seriesMove(s.key, positions[i] as CodeSeriesPosition);
      moves.set(keyId(s.key), { moveTo: move.moveTo, handle: q.defer(move.sql, move.params, stale) });
    });
    view.speculated = true;
    learn(series, positions);
    return { persons: codes.map(assumedLiving), series: positions };
  };
  return {
    async lockPersonsAndSeries(codes, series) {
      const speculated = speculate(codes, series);
      if (speculated) return speculated;
      if (series.length === 0 && !registerMode) return { persons: await lockPersons(codes), series: [] };
      await refuseDuplicates(q, series);
      // One statement: the series' lock reads the persons' CTE first (its one-time filter counts them),
      // so every person is locked before any series is, as when the two run one after the other.
      const mode = registerMode
        ? `UNION ALL SELECT 'm', NULL, NULL, NULL, NULL, NULL, NULL, mode, NULL, NULL, NULL
           FROM register_mode`
        : '';
      const rows = await q.query<Row>(
        `WITH p AS MATERIALIZED (${LOCK_PERSONS}),
         s AS (${lockSeries(2, 'WHERE (SELECT count(*) FROM p) >= 0')})
         SELECT 'p' AS what, ${PERSON_COLUMNS}, NULL::text AS pool, NULL::smallint AS parity,
           NULL::smallint AS sign_index, NULL::smallint AS last_number FROM p
         UNION ALL
         SELECT 's', NULL, birth_date, NULL, NULL, NULL, NULL, pool, parity, sign_index, last_number FROM s
         ${mode}`,
        [codes, ...seriesParams(series)],
      );
      const recorded = rows.find((r) => r.what === 'm')?.pool as RegisterMode | undefined;
      if (registerMode && recorded !== undefined && recorded !== registerMode)
        throw new RegisterModeChanged(recorded, registerMode);
      const found = rows.filter((r) => r.what === 's');
      if (found.length < series.length) found.push(...(await lockMissing(q, series, found)));
      const positions = positionsOf(series, found);
      learn(series, positions);
      return { persons: rows.filter((r) => r.what === 'p').map(toPerson), series: positions };
    },

    lockPersons,

    async latestChildBirthDates(motherCodes) {
      if (motherCodes.length === 0) return new Map();
      if (view?.speculated) throw new SpeculationUnsupported("a person's children");
      const rows = await q.query<{ mother: string; latest: string }>(
        `SELECT mother_code AS mother, max(birth_date) AS latest FROM persons
         WHERE mother_code = ANY($1::text[]) GROUP BY mother_code`,
        [motherCodes],
      );
      return new Map(rows.map((r) => [r.mother, r.latest]));
    },

    async claimPersons(persons, options) {
      if (persons.length === 0) return new Set();
      const params = [
        persons.map((p) => p.personalIdentityCode),
        persons.map((p) => p.birthDate),
        persons.map((p) => p.sex),
        persons.map((p) => p.temporary),
        persons.map((p) => p.motherCode),
      ];
      // Unchecked: held back and sent with the transaction's last statement, which fails unless every
      // code went in (WriteBehind.finish).
      if (options?.unchecked && q instanceof WriteBehind) {
        q.defer(CLAIM_PERSONS, params, { rows: persons.length, error: () => new CodeHeld() });
        return new Set(persons.map((p) => p.personalIdentityCode));
      }
      const rows = await q.query<{ code: string }>(CLAIM_PERSONS, params);
      return new Set(rows.map((r) => r.code));
    },

    async markDeceased(deaths) {
      // Sorted, so concurrent batches lock the same persons in the same order.
      const sorted = [...deaths].sort((a, b) => (a.personalIdentityCode < b.personalIdentityCode ? -1 : 1));
      await later(
        `UPDATE persons p SET death_date = v.date, death_date_latest = v.latest
         FROM unnest($1::text[], $2::text[], $3::date[]) AS v(code, date, latest)
         WHERE p.personal_identity_code = v.code`,
        [
          sorted.map((d) => d.personalIdentityCode),
          sorted.map((d) => d.date),
          sorted.map((d) => d.latestDate),
        ],
      );
    },

    async lockCodeSeries(series) {
      if (series.length === 0) return [];
      await refuseDuplicates(q, series);
      const rows = await q.query<Row>(lockSeries(1, ''), seriesParams(series));
      if (rows.length < series.length) rows.push(...(await lockMissing(q, series, rows)));
      const positions = positionsOf(series, rows);
      learn(series, positions);
      return positions;
    },

    async saveCodeSeries(all) {
      for (const s of all) view?.set(keyId(s.key), s.position);
      // A speculated series moves by its check, as long as that has not gone out yet.
      const series = all.filter((s) => {
        const move = moves.get(keyId(s.key));
        if (!move || move.handle.sent) return true;
        move.moveTo(s.position);
        return false;
      });
      if (series.length === 0) return;
      // A few series (what single requests bring): one UPDATE by key each, an index look-up whatever
      // the table's size. The one UPDATE joined to the list below gets a generic plan that hash-joins
      // it to a sequential scan of code_series, which on a table of a few pages the planner prefers:
      // about a fifth of the registering statement's time at 600 series (BENCHMARKS.md).
      if (series.length <= FEW_SERIES) {
        for (const s of series)
          await later(
            `UPDATE code_series SET sign_index = $4, last_number = $5
             WHERE birth_date = $1::date AND pool = $2 AND parity = $3::smallint`,
            [s.key.birthDate, s.key.pool, s.key.parity, s.position.signIndex, s.position.number],
          );
        return;
      }
      await later(
        `UPDATE code_series s SET sign_index = v.sign_index, last_number = v.last_number
         FROM unnest($1::date[], $2::text[], $3::smallint[], $4::smallint[], $5::smallint[])
           AS v(birth_date, pool, parity, sign_index, last_number)
         WHERE s.birth_date = v.birth_date AND s.pool = v.pool AND s.parity = v.parity`,
        [
          ...seriesColumns(series),
          series.map((s) => s.position.signIndex),
          series.map((s) => s.position.number),
        ],
      );
    },
  };
}

/** Upserts loaded persons in one statement per batch; returns how many rows were new. */
export async function upsertPersons(
  q: Queryable,
  persons: PersonLoad[],
): Promise<{ created: number; updated: number }> {
  let created = 0;
  // In code order, as registrations lock persons, so a load and a registration cannot deadlock.
  const sorted = [...persons].sort((a, b) => (a.personalIdentityCode < b.personalIdentityCode ? -1 : 1));
  for (let i = 0; i < sorted.length; i += 1000) {
    const batch = sorted.slice(i, i + 1000);
    const rows = await q.query<{ inserted: boolean }>(
      `INSERT INTO persons (personal_identity_code, birth_date, sex, temporary, death_date, death_date_latest)
       SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::boolean[], $5::text[], $5::date[])
       ON CONFLICT (personal_identity_code) DO UPDATE
         SET death_date = EXCLUDED.death_date, death_date_latest = EXCLUDED.death_date_latest
       RETURNING (xmax = 0) AS inserted`,
      [
        batch.map((p) => p.personalIdentityCode),
        batch.map((p) => p.birthDate),
        batch.map((p) => p.sex),
        batch.map((p) => p.temporary),
        batch.map((p) => p.deathDate),
      ],
    );
    created += rows.filter((r) => r.inserted).length;
  }
  return { created, updated: persons.length - created };
}

function toPerson(r: Row): Person {
  return {
    personalIdentityCode: r.personal_identity_code as string,
    birthDate: r.birth_date as string,
    sex: r.sex as Person['sex'],
    temporary: r.temporary as boolean,
    deathDate: (r.death_date as string | null) ?? null,
    deathDateLatest: (r.death_date_latest as string | null) ?? null,
  };
}
