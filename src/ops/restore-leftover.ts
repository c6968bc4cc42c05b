import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { openPostgres, queryRows } from '../db/client.js';
import { AppError, errorMessage } from '../errors.js';
import { isGone, parseIdentity, selfIdentity } from '../process-identity.js';
import type { RestoreMarker } from './restore-marker.js';

/** How long a leftover pg_restore, or its connection, may take to go once told to. */
const GONE_WITHIN_MS = 30_000;

/**
 * Ends what a killed restore left running in the database: its pg_restore child (SIGKILL, when the
 * marker names it, it runs on this host and it is still that process) and then every connection with
 * its application_name (pg_terminate_backend: a pg_restore waiting on a lock would not notice its
 * client gone; ending the connection rolls its transaction back and frees its locks). Waits until
 * both are gone. Returns what it did, in Chinese, one line each (none when nothing was left).
 */
export async function endLeftoverRestore(marker: RestoreMarker, url: string): Promise<string[]> {
  const left = marker.created.database?.pgRestore;
  if (!left) return [];
  const done: string[] = [];
  const child = left.process ? parseIdentity(left.process) : undefined;
  if (child && child.host === selfIdentity().host && child.start !== '-' && !isGone(child)) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch (err) {
      throw new AppError(
        'restore_leftover_running',
        `上次没有完成的恢复留下的 pg_restore（进程 ${child.pid}）还在运行，结束不了它（${errorMessage(err)}）：请先停止它，再恢复`,
      );
    }
    await until(() => isGone(child), `pg_restore（进程 ${child.pid}）`);
    done.push(`上次没有完成的恢复留下的 pg_restore（进程 ${child.pid}）还在运行：已结束它`);
  }
  const database = openPostgres(url, 1);
  try {
    const backends = () =>
      queryRows<{ pid: number }>(
        database.db,
        sql`select pid from pg_stat_activity
            where application_name = ${left.applicationName} and pid <> pg_backend_pid()`,
      );
    const found = await backends();
    if (found.length > 0) {
      for (const { pid } of found)
        await queryRows(database.db, sql`select pg_terminate_backend(${pid}::int)`);
      await until(async () => (await backends()).length === 0, 'pg_restore 的数据库连接');
      done.push(
        `上次没有完成的恢复的 pg_restore 在数据库里还有 ${found.length} 个连接：已断开（它没有提交的写入回滚，锁已释放）`,
      );
    }
  } finally {
    await database.close();
  }
  return done;
}

async function until(gone: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + GONE_WITHIN_MS;
  while (!(await gone())) {
    if (Date.now() > end)
      throw new AppError(
        'restore_leftover_running',
        `上次没有完成的恢复留下的 ${what} ${GONE_WITHIN_MS / 1000} 秒后还在：请检查数据库服务器，再恢复`,
      );
    await delay(50);
  }
}
