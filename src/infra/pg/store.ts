import type { Store, Transaction } from '../../core/ports';
import type { Clock } from '../../core/time/clock';
import { cachedClients } from '../client-cache';
import { clientQueries } from './clients-sql';
import { type Database, DatabaseUnavailableError, type TransactionOptions } from './database';
import { notificationQueries } from './notifications-sql';
import { registerQueries, upsertPersons } from './persons-sql';
import type { RegisterMode } from './register-mode-sql';
import { registrationQueries } from './registrations-sql';
import { isRetryable, isUnavailable } from './sqlstate';
import { WriteBehind } from './write-behind';

/** A deadlock or serialization failure is run again this many times in all, after a short random pause. */
export const MAX_ATTEMPTS = 5;
/** The store's transactions look rows up by key only: generic plans (TransactionOptions). */
const KEYED: TransactionOptions = { genericPlans: true };
let savepoints = 0;

/** The core's Store port over either database. */
export function createStore(
  db: Database,
  opts: {
    clock: Clock;
    clientCacheMs: number;
    /** The gateway's register: pending notifications are added and claimed only while the database records it. */
    registerMode?: RegisterMode;
  },
): Store {
  return {
    notifications: notificationQueries(db),
    clients: cachedClients(clientQueries(db), opts.clock, opts.clientCacheMs),
    loadPersons: (persons) => db.transaction((tx) => upsertPersons(tx, persons)),
    isTransient: isRetryable,
    isUnavailable,
    async transaction(fn) {
      // A deadlock or serialization failure undoes the whole transaction, so it is safe to run again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction(async (raw) => {
            const q = new WriteBehind(raw);
            const tx: Transaction = {
              notifications: notificationQueries(q, opts.registerMode),
              register: registerQueries(q, opts.registerMode === 'embedded' ? 'embedded' : undefined),
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
        } catch (err) {
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
