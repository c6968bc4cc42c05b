import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runProcess, webhookBotEnv } from '../support/bot-process.js';
import { processTest } from '../support/process-test.js';

const pgUrl = process.env.TEST_DATABASE_URL;

/** A port nothing listens on: taken from the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A start that cannot reach PostgreSQL said the driver's English (「无法启动：connect ECONNREFUSED
 * 127.0.0.1:55499」, 「无法启动：database "archive9" does not exist」) and exited 1, so systemd restarted it
 * every 10 s for ever, even for a database that does not exist or a wrong password. Each is one Chinese
 * line naming the database (password masked), why and what to check; those a restart cannot fix exit 2
 * (the unit's RestartPreventExitStatus=2), a server not answering yet stays 1 (it may be starting).
 */
describe('a start that cannot reach PostgreSQL', () => {
  const t = processTest('archive-bot-db-unreachable');
  const main = join(repoRoot, 'dist/main.js');
  const start = (databaseUrl: string) =>
    runProcess(
      process.execPath,
      [main],
      { ...webhookBotEnv(t.fake, join(t.tmp, 'data')), DATABASE_URL: databaseUrl },
      t.tmp,
    );

  it('connection refused: the address without its password, what to check, exit 1 (retried)', async () => {
    const port = await closedPort();
    const r = await start(`postgres://archive:s3cret@127.0.0.1:${port}/archive`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `无法启动：连不上数据库 postgres://archive:***@127.0.0.1:${port}/archive（拒绝连接）：` +
        '检查 PostgreSQL 是否在运行（systemctl status postgresql）、设置文件里的 DATABASE_URL 的主机和端口；作为服务运行时，它每 10 秒自动重试一次',
    );
    expect(r.stderr).not.toContain('s3cret');
  });

  it.skipIf(!pgUrl)(
    'a database that does not exist, a user PostgreSQL refuses: exit 2 (not retried)',
    async () => {
      const missing = new URL(pgUrl!);
      missing.pathname = '/archive_not_made_yet';
      const r = await start(missing.toString());
      expect(r.code).toBe(2);
      const shown = new URL(missing);
      if (shown.password) shown.password = '***';
      expect(r.stderr.trim()).toBe(
        `无法启动：连不上数据库 ${shown.toString()}（数据库 archive_not_made_yet 不存在）：` +
          '检查设置文件里的 DATABASE_URL 的数据库名；新装的要先建库（sudo -u postgres createdb -O 用户名 archive_not_made_yet），再启动机器人',
      );

      const stranger = new URL(pgUrl!);
      stranger.username = 'no_such_archive_user';
      stranger.password = 'wrong';
      const refused = await start(stranger.toString());
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        `无法启动：连不上数据库 ${stranger.toString().replace(':wrong@', ':***@')}（用户名或密码不对，或 PostgreSQL 不允许这个用户从这里连接）：`,
      );
      expect(refused.stderr).not.toContain('wrong@');
    },
  );
});
