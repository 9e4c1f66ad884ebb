import { type PGlite, parse, protocol } from '@electric-sql/pglite';
import type { Row } from './database';

/** The most statement texts prepared by name (as on PostgreSQL, pg-database.ts); past it, unnamed. */
const MAX_PREPARED = 200;

/**
 * Statements with parameters, prepared once by name and then only bound and
 * executed. PGlite's own `query()` parses, plans and describes every
 * statement at every execution, in six calls into PostgreSQL: for the
 * store's few fixed texts (a notification insert is a handful of CTEs) that
 * is most of a registration's database work. Here a new text costs one call
 * (Parse, Describe, Sync) once, and every execution one call (Bind, Describe,
 * Execute, Sync); results are read by PGlite's own parsers.
 *
 * The caller holds the right lock: PGlite's query lock for a statement in a
 * transaction (as its `tx.query` does), its transaction lock around that for
 * one outside (as its `query` does).
 */
export function preparedStatements(db: PGlite): (text: string, params: readonly unknown[]) => Promise<Row[]> {
  const statements = new Map<string, { name: string; types: number[] }>();
  const { serialize } = protocol;
  const run = async (message: Uint8Array) => (await db.execProtocol(message, { syncToFs: false })).messages;

  const prepare = async (text: string) => {
    const known = statements.get(text);
    if (known) return known;
    const name = statements.size < MAX_PREPARED ? `vtj_${statements.size + 1}` : '';
    const described = await run(
      concat(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()),
    );
    const statement = { name, types: parse.parseDescribeStatementResults(described) };
    if (name) statements.set(text, statement);
    return statement;
  };

  return (text, params) =>
    db._runExclusiveQuery(async () => {
      const { name, types } = await prepare(text);
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const serializer = db.serializers[types[i] as number];
        return serializer ? serializer(value) : String(value);
      });
      const messages = await run(
        concat(
          serialize.bind({ statement: name, values }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ),
      );
      return (parse.parseResults(messages, db.parsers)[0]?.rows ?? []) as Row[];
    });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
