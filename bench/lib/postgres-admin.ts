import { connect } from 'node:net';
import postgres from 'postgres';

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function reachable(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `adminUrl` with its database name replaced. */
export function withDatabase(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(adminUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export const createDatabase = (adminUrl: string, name: string) =>
  admin(adminUrl, (sql) => sql.unsafe(`create database "${name}"`));

export const dropDatabase = (adminUrl: string, name: string) =>
  admin(adminUrl, (sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));

/** Server version and the durability settings that decide the cost of a commit. */
export const describeServer = (url: string) =>
  admin(url, async (sql) => {
    const [row] = await sql<{ v: string; sc: string; fs: string }[]>`
      select current_setting('server_version') as v, current_setting('synchronous_commit') as sc,
             current_setting('fsync') as fs`;
    return `PostgreSQL ${row!.v} (synchronous_commit=${row!.sc}, fsync=${row!.fs})`;
  });

/** Process ids of the PostgreSQL backends connected to `database` (the server's pool). */
export const backendPids = (adminUrl: string, database: string) =>
  admin(adminUrl, async (sql) =>
    (await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`).map(
      (r) => r.pid,
    ),
  );
