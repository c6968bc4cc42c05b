import postgres from 'postgres';
import type { SQL } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';

export interface CapturedQuery {
  sql: string;
  params: unknown[];
}

/**
 * A view of `db` that records the raw queries run through `db.execute` (what the completeness repos
 * use), so the benchmark can EXPLAIN exactly the SQL the real code path sent.
 */
export function recordingDb(db: Db): { db: Db; queries: CapturedQuery[] } {
  const queries: CapturedQuery[] = [];
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'execute') {
        return (query: SQL) => {
          const built = (target as any).dialect.sqlToQuery(query.getSQL?.() ?? query);
          queries.push({ sql: built.sql, params: built.params });
          return target.execute(query);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { db: proxy, queries };
}

/** EXPLAIN (ANALYZE, BUFFERS) of each query, as text. */
export async function explainAnalyze(url: string, queries: CapturedQuery[]): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const out: string[] = [];
    for (const q of queries) {
      const rows = await sql.unsafe(`explain (analyze, buffers) ${q.sql}`, q.params as any[]);
      out.push(rows.map((r: any) => r['QUERY PLAN']).join('\n'));
    }
    return out;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
