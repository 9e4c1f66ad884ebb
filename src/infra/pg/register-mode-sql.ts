import { type Database, DatabaseUnavailableError, type Queryable } from './database';
import { SQLSTATE, sqlState } from './sqlstate';

/** A change of mode waiting behind long transactions: tried this many times in all, each bounded by lock_timeout. */
export const MODE_CHANGE_ATTEMPTS = 5;

/** Which register a gateway delivers to: its own tables, or a service behind an outbox (REGISTER_URL). */
export type RegisterMode = 'embedded' | 'remote';

const SETTING: Record<RegisterMode, string> = {
  embedded: 'without REGISTER_URL (the embedded register)',
  remote: 'with REGISTER_URL (a remote register)',
};

/**
 * The database's outbox belongs to one register, and notifications are
 * pending for it: a process in the other mode would settle them with the
 * wrong register (withdraw them without asking it, or register them with
 * other codes), and the gateway would then contradict what it holds.
 */
export class RegisterModeConflict extends Error {
  override name = 'RegisterModeConflict';
  constructor(
    readonly recorded: RegisterMode,
    readonly wanted: RegisterMode,
    readonly pending: number,
  ) {
    super(`the outbox belongs to the ${recorded} register; ${pending} pending`);
  }

  /** What to change, in words, for the gateway's start or a command of the CLI. */
  explain(who: 'this gateway' | 'this command'): string {
    const n = `${this.pending} ${this.pending === 1 ? 'notification is' : 'notifications are'}`;
    const head = `This database's outbox belongs to the ${this.recorded} register and ${n} pending for it; ${who} runs ${SETTING[this.wanted]} and would settle them with another register.`;
    return this.recorded === 'remote'
      ? `${head} Set REGISTER_URL to the address of the register the gateway delivers to.`
      : `${head} Unset REGISTER_URL until nothing is pending (npx vtj-gateway outbox list --all, without REGISTER_URL), then set it.`;
  }
}

/**
 * A running instance in the other mode than the one recorded (another
 * instance was started in it meanwhile): it may neither add pending
 * notifications nor claim them. Its requests answer 503 until it is
 * restarted with the recorded mode.
 */
export class RegisterModeChanged extends DatabaseUnavailableError {
  constructor(recorded: RegisterMode, mine: RegisterMode) {
    super(
      `the outbox now belongs to the ${recorded} register; this instance runs the ${mine} one: restart it`,
    );
  }
}

/**
 * The gateway's start: records `mode` as the register the outbox belongs to.
 * Refused (RegisterModeConflict) when another mode is recorded and any
 * notification is pending. A change takes the table in ACCESS EXCLUSIVE mode
 * before it counts pending ones, and every transaction that adds or claims
 * pending notifications, or registers in the embedded register, reads the
 * mode (`guardRegisterMode`), which holds the table's ACCESS SHARE lock to its
 * end: the change waits for those under way, and those after it read what it
 * committed, so a change and a notification of the old mode never both commit.
 * (A table lock, not a row lock: a shared row lock is written into the row, and
 * becomes a multixact whenever two transactions hold it, at every registration.)
 * The table lock waits at most the lock timeout; behind a transaction longer
 * than that (a large batch), the change is tried again, MODE_CHANGE_ATTEMPTS
 * times in all, before the start fails as the database being unavailable.
 * Returns the mode recorded before (undefined: none).
 */
export async function recordRegisterMode(
  db: Database,
  mode: RegisterMode,
  at: Date,
): Promise<{ previous: RegisterMode | undefined }> {
  // The usual start: the mode is already recorded, and a plain read settles it.
  const [seen] = await db.query<{ mode: RegisterMode }>('SELECT mode FROM register_mode');
  if (seen?.mode === mode) return { previous: mode };
  for (let attempt = 1; ; attempt++) {
    try {
      return await changeRegisterMode(db, mode, at);
    } catch (err) {
      if (attempt >= MODE_CHANGE_ATTEMPTS || !waitedTooLong(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** The lock timeout cut a wait for a lock short (the error itself, or the unavailability it became). */
function waitedTooLong(err: unknown): boolean {
  const cause = err instanceof DatabaseUnavailableError ? err.cause : err;
  return sqlState(cause) === SQLSTATE.lockNotAvailable || sqlState(err) === SQLSTATE.lockNotAvailable;
}

function changeRegisterMode(
  db: Database,
  mode: RegisterMode,
  at: Date,
): Promise<{ previous: RegisterMode | undefined }> {
  return db.transaction(async (tx) => {
    // The table lock is the transaction's first lock: two instances starting
    // together queue on it instead of each holding a weaker lock on the table
    // and waiting for the other's (a deadlock).
    await tx.exec('LOCK TABLE register_mode IN ACCESS EXCLUSIVE MODE');
    // Read again under the lock: another instance may have recorded it meanwhile.
    const [row] = await tx.query<{ mode: RegisterMode }>('SELECT mode FROM register_mode');
    const previous = row?.mode;
    if (previous === mode) return { previous };
    if (previous === undefined) {
      await tx.query('INSERT INTO register_mode (mode, recorded_at) VALUES ($1, $2)', [mode, at]);
      return { previous };
    }
    const pending = await countPending(tx);
    if (pending > 0) throw new RegisterModeConflict(previous, mode, pending);
    await tx.query('UPDATE register_mode SET mode = $1, recorded_at = $2', [mode, at]);
    return { previous };
  });
}

/**
 * A CLI command over the outbox: refused (RegisterModeConflict) when the
 * outbox belongs to the other register and anything is pending. Records
 * nothing: only a gateway's start does.
 */
export async function checkRegisterMode(db: Queryable, mode: RegisterMode): Promise<void> {
  const [row] = await db.query<{ mode: RegisterMode }>('SELECT mode FROM register_mode');
  if (row === undefined || row.mode === mode) return;
  const pending = await countPending(db);
  if (pending > 0) throw new RegisterModeConflict(row.mode, mode, pending);
}

/**
 * Inside a transaction that adds or claims pending notifications: the
 * recorded mode must be this instance's (none recorded: any). Its ACCESS SHARE
 * lock on the table, held to the transaction's end, waits for a change under
 * way and then reads what it committed (recordRegisterMode).
 */
export async function guardRegisterMode(q: Queryable, mode: RegisterMode): Promise<void> {
  const [row] = await q.query<{ mode: RegisterMode }>('SELECT mode FROM register_mode');
  if (row !== undefined && row.mode !== mode) throw new RegisterModeChanged(row.mode, mode);
}

async function countPending(q: Queryable): Promise<number> {
  const [row] = await q.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM notifications WHERE status = 'pending'",
  );
  return Number(row?.n ?? 0);
}
