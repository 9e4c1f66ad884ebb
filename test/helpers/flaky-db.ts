import type { Database } from '../../src/infra/pg/database';

/** A real database that fails every call the way a test asks, once `state.failWith` is set. */
export function flakyDb(real: Database, state: { failWith?: Error }): Database {
  const guard = <T>(fn: () => Promise<T>) => (state.failWith ? Promise.reject(state.failWith) : fn());
  return {
    kind: real.kind,
    query: (t, p) => guard(() => real.query(t, p)),
    exec: (s) => guard(() => real.exec(s)),
    transaction: (fn) => guard(() => real.transaction(fn)),
    close: () => real.close(),
  };
}
