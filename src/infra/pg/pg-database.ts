import pg from 'pg';
import type { DatabaseTimeouts } from '../../config';
import type { Database } from './database';
import { DatabaseUnavailableError, parseDate, parseInt8, TYPE_OIDS } from './database';
import { isUnavailableState } from './sqlstate';

export interface PgOptions {
  connectionString: string;
  poolSize: number;
  timeouts: DatabaseTimeouts;
  onError: (err: Error) => void;
}

/** A session's plan mode (createPgDatabase's planMode): what TransactionOptions.genericPlans asks for, and back. */
const GENERIC_SESSION = 'SET plan_cache_mode = force_generic_plan';
const DEFAULT_SESSION = 'SET plan_cache_mode = DEFAULT';

/** The most statement texts prepared by name (see nameOf). */
const MAX_PREPARED = 200;

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TYPE_OIDS.int8) return parseInt8;
    if (oid === TYPE_OIDS.date) return parseDate;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * A real PostgreSQL server through a pg.Pool. Every wait is bounded, so that
 * a server that stops answering (a network partition: no reset, no FIN) costs
 * a request seconds, not the length of the outage: opening a connection,
 * waiting for one of the pool, every statement's answer (the gateway's own
 * timer, which drops the connection), and on the server statement, lock and
 * idle-in-transaction timeouts and TCP keepalive. Failures of that kind come
 * out as DatabaseUnavailableError; the server's other errors as they are.
 */
export function createPgDatabase(opts: PgOptions): Database {
  const t = opts.timeouts;
  const connectMs = t.connectMs;
  // pg-pool bounds both the wait for a free connection and the opening of a new one with this option;
  // the client class bounds its own connect by the connect timeout.
  class BoundedClient extends pg.Client {
    constructor(config: pg.ClientConfig = {}) {
      super({ ...config, connectionTimeoutMillis: connectMs });
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize,
    types: types as pg.CustomTypesConfig,
    Client: BoundedClient,
    connectionTimeoutMillis: t.poolWaitMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveMs,
    statement_timeout: t.statementMs,
    lock_timeout: t.lockMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    application_name: 'vtj-gateway',
    // A statement is sent without waiting for the answer to the one before (each still ends in its own
    // Sync, so a failure ends only its own statement): what lets a transaction send BEGIN with its first
    // statement and COMMIT with its last (transaction() below).
    pipeline: true,
  });
  // An idle client's error (a server restart) must not kill the process.
  pool.on('error', opts.onError);
  // …nor one on a checked-out client: pg-pool only guards idle ones.
  pool.on('connect', (client) => client.on('error', opts.onError));

  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (err) {
      throw new DatabaseUnavailableError('no connection to the database', { cause: err });
    }
  };

  /**
   * Statements with parameters are prepared once per connection, under a name
   * of their text: the server parses and plans each text once rather than at
   * every execution, and the client sends it once. Every text is one of the
   * store's own, fixed or made of a few optional parts; past MAX_PREPARED
   * distinct texts (there are far fewer) the rest run unnamed, so that no
   * connection can accumulate prepared statements without end.
   */
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `vtj_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };

  /** One statement on a checked-out client, bounded; a client that failed that way must be dropped. */
  const run = async <R>(client: pg.PoolClient, text: string, params?: readonly unknown[]): Promise<R[]> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Nothing more is waited for on this connection. (Its end() would wait for the statements in
        // flight in pipeline mode; destroying the socket fails them at once.)
        client.connection.stream.destroy();
        reject(new DatabaseUnavailableError(`the database did not answer within ${t.queryMs} ms`));
      }, t.queryMs);
    });
    try {
      const query =
        params && params.length > 0
          ? client.query({ text, values: params as unknown[], name: nameOf(text) })
          : client.query(text);
      const result = await Promise.race([query, timedOut]);
      return result.rows as R[];
    } catch (err) {
      throw classify(err);
    } finally {
      clearTimeout(timer);
    }
  };

  /**
   * Which connections' sessions run prepared statements on generic plans (TransactionOptions): set on a
   * connection when a transaction asking for them gets it and it does not run them yet, reset when any
   * other use gets one that does, each time by a SET sent in front of the first statement (no round trip
   * of its own; outside any transaction block, so that it outlives the transaction). A registering
   * transaction thus needs no statement of its own for it.
   */
  const generic = new WeakSet<pg.PoolClient>();
  const planMode = (client: pg.PoolClient, wanted: boolean): Promise<unknown> | undefined => {
    if (generic.has(client) === wanted) return undefined;
    if (wanted) generic.add(client);
    else generic.delete(client);
    const set = run(client, wanted ? GENERIC_SESSION : DEFAULT_SESSION);
    set.catch(() => {});
    return set;
  };

  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      const mode = planMode(client, false);
      const result = await fn(client);
      await mode;
      client.release();
      return result;
    } catch (err) {
      // A lost connection is dropped from the pool, never handed to the next request.
      client.release(err instanceof DatabaseUnavailableError ? err : undefined);
      throw err;
    }
  };

  return {
    kind: 'pg',
    query: (text, params) => withClient((client) => run(client, text, params)),
    /**
     * BEGIN waits in the socket for the transaction's first statement and goes out with it, and COMMIT
     * goes out with the last one (queryLast): a registering transaction that locks first costs two round
     * trips to the server instead of four or five, and holds its locks for one instead of two. One whose
     * first statement is its last (a speculative one: persons-sql.ts) is that statement alone, one round
     * trip, committed by the server as it ends.
     */
    async transaction(fn, options) {
      const client = await connect();
      const socket = client.connection.stream;
      let corked = true;
      const send = () => {
        if (corked) {
          corked = false;
          socket.uncork();
        }
      };
      socket.cork();
      // At the latest on the next turn of the event loop, whatever the work is waiting for.
      setImmediate(send);
      // With the first statement, in the same write: no round trip of its own. A transaction that sends no
      // statement (a speculation given up before it sent anything: persons-sql.ts) sends nothing at all.
      let begun: Promise<unknown> | undefined;
      const begin = () => {
        if (begun) return begun;
        const mode = planMode(client, options?.genericPlans === true);
        begun = Promise.all([mode, run(client, 'BEGIN')]);
        // Awaited with every statement and at the end; until then a failure must not count as unhandled.
        begun.catch(() => {});
        return begun;
      };
      /** The COMMIT sent behind the last statement, or the last statement itself when it was the only one. */
      let commit: Promise<unknown> | undefined;
      const statement = async <R>(text: string, params: readonly unknown[] | undefined, last: boolean) => {
        if (commit) throw new Error('a statement after the transaction’s last one');
        if (last && begun === undefined) {
          // The whole transaction is this one statement: it runs as one, committed by the server as it
          // ends (its answer comes once the commit is on disk) or undone if it fails. No BEGIN, no COMMIT.
          const mode = planMode(client, options?.genericPlans === true);
          const result = run<R>(client, text, params);
          result.catch(() => {});
          commit = result;
          send();
          await mode;
          return result;
        }
        const started = begin();
        const result = run<R>(client, text, params);
        result.catch(() => {});
        if (last) {
          commit = run(client, 'COMMIT');
          commit.catch(() => {});
        }
        send();
        await started;
        return result;
      };
      let broken: Error | undefined;
      try {
        const result = await fn({
          query: (text, params) => statement(text, params, false),
          queryLast: (text, params) => statement(text, params, true),
          exec: async (sql) => void (await statement(sql, undefined, false)),
        });
        send();
        if (begun) {
          await begun;
          await (commit ?? run(client, 'COMMIT'));
        } else await commit;
        return result;
      } catch (err) {
        send();
        // On a lost connection there is nothing to roll back: the server ends the transaction itself. With
        // nothing sent, or one statement alone, there is no transaction block to end.
        if (err instanceof DatabaseUnavailableError) broken = err;
        else if (begun) {
          try {
            // A COMMIT already sent ends the failed transaction undone; otherwise it is rolled back here.
            await (commit ?? run(client, 'ROLLBACK'));
          } catch (endErr) {
            broken = endErr as Error;
          }
        }
        throw err;
      } finally {
        // A lost connection is dropped from the pool, never handed to the next request.
        client.release(broken);
      }
    },
    async exec(sql) {
      await withClient((client) => run(client, sql));
    },
    close: () => pool.end(),
  };
}

/**
 * The server's errors stand as they are, except those that mean it cannot
 * serve now; anything else a query fails with is the connection failing.
 * (A TypeError or RangeError is a bug in the statement's values, not an outage.)
 */
function classify(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  if (err instanceof pg.DatabaseError) {
    return isUnavailableState(err.code)
      ? new DatabaseUnavailableError(`the database refused the statement (${err.code})`, { cause: err })
      : err;
  }
  if (err instanceof TypeError || err instanceof RangeError) return err;
  return new DatabaseUnavailableError('the connection to the database failed', { cause: err });
}
