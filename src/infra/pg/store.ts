import type { Store, Transaction } from '../../core/ports';
import type { Clock } from '../../core/time/clock';
import { cachedClients } from '../client-cache';
import { clientQueries } from './clients-sql';
import { type Database, DatabaseUnavailableError, type TransactionOptions } from './database';
import { notificationQueries } from './notifications-sql';
import { registerQueries, upsertPersons } from './persons-sql';
import type { RegisterMode } from './register-mode-sql';
import { registrationQueries } from './registrations-sql';
import { SeriesView, SeriesViewSession } from './series-view';
import { SpeculationStale, SpeculationUnsupported } from './speculative-lock';
import { isRetryable, isUnavailable } from './sqlstate';
import { WriteBehind } from './write-behind';

/** A deadlock or serialization failure is run again this many times in all, after a short random pause. */
export const MAX_ATTEMPTS = 5;
/** The store's transactions look rows up by key only: generic plans (TransactionOptions). */
const KEYED: TransactionOptions = { genericPlans: true };
let savepoints = 0;

/**
 * How a speculative registering transaction ended: committed as speculated (`held`), undone because the
 * register was otherwise (`stale`), or undone because the core needed what it could not know
 * (`unsupported`); the last two were run again, locking first.
 */
export type SpeculationOutcome = 'held' | 'stale' | 'unsupported';

/** The core's Store port over either database. */
export function createStore(
  db: Database,
  opts: {
    clock: Clock;
    clientCacheMs: number;
    /** The gateway's register: pending notifications are added and claimed only while the database records it. */
    registerMode?: RegisterMode;
    /** How each speculative registering transaction ended (persons-sql.ts): for /metrics. */
    onSpeculation?: (outcome: SpeculationOutcome) => void;
    /** How many transactions lock a series first after a speculation on it was stale (series-view.ts). */
    speculationCoolDown?: number;
  },
): Store {
  // Where this instance left its code series: what its registering transactions speculate on (persons-sql.ts).
  const seriesView = new SeriesView(opts.speculationCoolDown);
  return {
    notifications: notificationQueries(db),
    clients: cachedClients(clientQueries(db), opts.clock, opts.clientCacheMs),
    loadPersons: (persons) => db.transaction((tx) => upsertPersons(tx, persons)),
    // Also a speculation that did not hold: the core lets it through to here, and the store runs it again.
    isTransient: (err) =>
      isRetryable(err) || err instanceof SpeculationStale || err instanceof SpeculationUnsupported,
    isUnavailable,
    async transaction(fn) {
      let maySpeculate = true;
      // A deadlock or serialization failure undoes the whole transaction, so it is safe to run again.
      for (let attempt = 1; ; attempt++) {
        const view = new SeriesViewSession(seriesView, maySpeculate);
        try {
          const result = await db.transaction(async (raw) => {
            const q = new WriteBehind(raw);
            const tx: Transaction = {
              notifications: notificationQueries(q, opts.registerMode),
              register: registerQueries(q, opts.registerMode === 'embedded' ? 'embedded' : undefined, view),
              registrations: registrationQueries(q),
              async attempt(inner) {
                const name = `sp_${++savepoints}`;
                await q.query(`SAVEPOINT ${name}`);
                const mark = q.mark();
                try {
                  const result = await inner();
                  await q.query(`RELEASE SAVEPOINT ${name}`);
                  return result;
                } catch (err) {
                  q.discardTo(mark);
                  await raw.query(`ROLLBACK TO SAVEPOINT ${name}`);
                  throw err;
                }
              },
            };
            const result = await fn(tx);
            await q.flush();
            return result;
          }, KEYED);
          if (view.speculated) opts.onSpeculation?.('held');
          return result;
        } catch (err) {
          const stale = err instanceof SpeculationStale;
          view.failed(stale);
          // A speculation that did not hold undid nothing but itself: the same work, locking first, at once.
          if (stale || err instanceof SpeculationUnsupported) {
            opts.onSpeculation?.(stale ? 'stale' : 'unsupported');
            maySpeculate = false;
            attempt--;
            continue;
          }
          if (!isRetryable(err)) throw err;
          // Never shown to the client as itself: past the attempts it is the database being unable to serve.
          if (attempt >= MAX_ATTEMPTS) {
            throw new DatabaseUnavailableError('the transaction kept conflicting with others', {
              cause: err,
            });
          }
          // Apart, so that the transactions that met do not meet again at once.
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
        }
      }
    },
  };
}
