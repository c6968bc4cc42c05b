import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { hostname } from 'node:os';
import { libpqConnection } from '../child-environment.js';
import { AppError, errorMessage } from '../errors.js';
import { identityText, processStartOf } from '../process-identity.js';

/** pg_restore could not be started (not installed, not on PATH). */
export function pgRestoreMissing(err: unknown): AppError {
  return new AppError(
    'pg_restore_missing',
    `找不到 pg_restore（${errorMessage(err)}）：请安装 PostgreSQL 客户端工具（Debian: apt-get install postgresql-client）`,
  );
}

/**
 * Loads a custom-format dump into the database at `url` with `pg_restore`, in one transaction. Its
 * connection carries `applicationName` (pg_stat_activity.application_name), and `started` is told the
 * child's identity (host:pid:start) as soon as it runs. pg_restore reads the dump on its standard
 * input, from this process, which begins to send it only once `started` has resolved: a restore killed
 * before that leaves a pg_restore that reads end of file at once and stops, having committed nothing.
 * Killed later, it may leave pg_restore running, waiting on a lock or reading what the pipe still holds
 * (a small dump fits in it whole, and may then be committed): the next restore finds it by both
 * (restore-leftover.ts).
 */
/** What the pipe to pg_restore fails with once pg_restore has stopped reading. */
const PIPE_CODES = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

export async function pgRestore(
  dump: string,
  url: string,
  applicationName: string,
  started: (child: string) => Promise<void>,
): Promise<void> {
  const conn = libpqConnection(url);
  // The connection parameter, not PGAPPNAME: a DATABASE_URL's own application_name would win over that.
  const dbname = new URL(conn.dbname);
  dbname.searchParams.set('application_name', applicationName);
  // One transaction: a pg_restore that fails or is killed leaves the database as it was. No file
  // argument: the dump comes on standard input.
  const args = ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${dbname}`];
  const child = spawn('pg_restore', args, { env: conn.env, stdio: ['pipe', 'ignore', 'pipe'] });
  // Listening first: a spawn that fails (not installed, EMFILE) is told by an 'error' event, and a
  // child made without its pipes (EMFILE) has no stderr to read.
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err) => reject(pgRestoreMissing(err)));
    child.on('close', (code) => resolve(code));
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise<void>((resolve) => {
    child.on('spawn', resolve);
    child.on('error', () => resolve());
  });
  if (child.pid === undefined || !child.stdin) {
    // Never kill() a child without a pid: it would signal our own process group.
    if (child.pid !== undefined) child.kill('SIGKILL');
    await exited; // rejects: it did not start
    throw pgRestoreMissing(new Error('no process'));
  }
  const identity = { host: hostname(), pid: child.pid, start: processStartOf(child.pid) ?? '-' };
  try {
    await started(identityText(identity));
  } catch (err) {
    // Unrecorded, it must not go on by itself (it has had nothing to read yet).
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    throw err;
  }
  // pg_restore may stop reading early (it failed: its exit code and message say why); a dump that
  // cannot be read here ends its input short, and that is the cause to report. The pipe's own error
  // (EPIPE once pg_restore stopped) reaches the file's stream too: that one is not the file's fault.
  let readError: unknown;
  const stdinErrors = new Set<unknown>();
  child.stdin.on('error', (err) => stdinErrors.add(err));
  const source = createReadStream(dump).on('error', (err) => {
    if (!stdinErrors.has(err) && !PIPE_CODES.has((err as NodeJS.ErrnoException).code ?? ''))
      readError ??= err;
  });
  const fed = pipeline(source, child.stdin).catch(() => undefined);
  const code = await exited;
  await fed;
  if (code === 0) return;
  if (readError !== undefined)
    throw new AppError('pg_restore_failed', `读不出备份的数据库文件 ${dump}：${errorMessage(readError)}`);
  throw new AppError('pg_restore_failed', `pg_restore 失败：${stderr.trim()}`);
}
