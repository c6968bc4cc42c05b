import type { Db } from '../../src/db/client.js';

type Statement = Parameters<Db['execute']>[0];
type Result = ReturnType<Db['execute']>;

/**
 * `db` with every statement it executes handed to `around` with its SQL text, and `run` sending it to
 * the real database: a test recognises a statement by its text and holds it, fails it, or watches it
 * go (queue tests that race a worker's statements). Everything other than `execute` is `db`'s own.
 */
export function interceptStatements(
  db: Db,
  around: (text: string, run: () => Result) => PromiseLike<unknown>,
): Db {
  const textOf = (q: Statement) =>
    (db as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string } } }).dialect.sqlToQuery(q).sql;
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== 'execute') return Reflect.get(target, prop, target);
      // What the statement resolves to is the real database's answer, held or not.
      return (q: Statement) => around(textOf(q), () => target.execute(q)) as Result;
    },
  });
}
