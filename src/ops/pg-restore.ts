import { spawnSync } from 'node:child_process';
import { libpqConnection } from '../child-environment.js';
import { AppError, errorMessage } from '../errors.js';

/** pg_restore could not be started (not installed, not on PATH). */
export function pgRestoreMissing(err: unknown): AppError {
  return new AppError(
    'pg_restore_missing',
    `找不到 pg_restore（${errorMessage(err)}）：请安装 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
  );
}

/** Loads a custom-format dump into the database at `url` with `pg_restore`, in one transaction. */
export function pgRestore(dump: string, url: string): void {
  const conn = libpqConnection(url);
  // One transaction: a pg_restore that fails or is killed leaves the database as it was.
  const args = ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${conn.dbname}`, dump];
  const res = spawnSync('pg_restore', args, {
    encoding: 'utf8',
    env: conn.env,
  });
  if (res.error) throw pgRestoreMissing(res.error);
  if (res.status !== 0) throw new AppError('pg_restore_failed', `pg_restore 失败：${res.stderr.trim()}`);
}
