import { withoutPassword } from './pglite-moved.js';

/**
 * Why PostgreSQL could not be reached, in the IT person's words (the driver's own line was English:
 * `connect ECONNREFUSED 127.0.0.1:5432`, `database "archive9" does not exist`), and whether a restart can
 * help: a server still starting (refused, no answer) may come up, a wrong password or a database that does
 * not exist stays so until someone edits the settings file (main.ts: exit 2, which the systemd unit does
 * not restart). Said at a start (`start`: the service retries every 10 s), by doctor before one (`doctor`)
 * and by a command-line tool (`command`: it is run again by hand; open-cli-db.ts, run-cli.ts).
 */
export type ConnectFailureSaidBy = 'start' | 'doctor' | 'command';

interface ConnectFailure {
  text: string;
  /** A restart cannot fix it. */
  permanent: boolean;
}

export function databaseConnectFailure(
  err: unknown,
  databaseUrl: string | undefined,
  settingsFiles: readonly string[] = [],
  saidBy: ConnectFailureSaidBy = 'start',
): ConnectFailure | undefined {
  if (!databaseUrl) return undefined;
  const cause = driverError(err);
  if (!cause) return undefined;
  const file = settingsFiles.length > 0 ? ` ${settingsFiles.join('、')} ` : '设置文件';
  const reach = (reason: string, check: string, permanent: boolean): ConnectFailure => ({
    text: `连不上数据库 ${withoutPassword(databaseUrl)}（${reason}）：${check}`,
    permanent,
  });
  // Only the service retries by itself; a command is run again, and the bot started, once it is fixed.
  const retry =
    saidBy === 'start'
      ? '；作为服务运行时，它每 10 秒自动重试一次'
      : saidBy === 'command'
        ? '，再运行这个命令'
        : '';
  const then = saidBy === 'command' ? '再运行这个命令' : '再启动机器人';
  switch (cause.code) {
    case 'ECONNREFUSED':
      return reach(
        '拒绝连接',
        `检查 PostgreSQL 是否在运行（systemctl status postgresql）、${file.trimStart()}里的 DATABASE_URL 的主机和端口${retry}`,
        false,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return reach(
        '找不到这个主机',
        `检查${file}里的 DATABASE_URL 的主机名、本机的网络和 DNS${retry}`,
        false,
      );
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'CONNECT_TIMEOUT':
      return reach(
        '连接超时',
        `检查 PostgreSQL 是否在运行、防火墙、${file.trimStart()}里的 DATABASE_URL 的主机和端口${retry}`,
        false,
      );
    case '28P01':
    case '28000':
      return reach(
        '用户名或密码不对，或 PostgreSQL 不允许这个用户从这里连接',
        `检查${file}里的 DATABASE_URL 的用户名和密码（密码里的 @ : / 要写成 %40 %3A %2F），以及 PostgreSQL 的 pg_hba.conf；改好后${then}`,
        true,
      );
    case '3D000':
      return reach(
        `数据库 ${databaseName(databaseUrl)} 不存在`,
        `检查${file}里的 DATABASE_URL 的数据库名；新装的要先建库（sudo -u postgres createdb -O 用户名 ${databaseName(databaseUrl)}），${then}`,
        true,
      );
    default:
      return undefined;
  }
}

/** The driver's error under drizzle's wrapping ("Failed query: …", the driver's error as its cause). */
function driverError(err: unknown): { code: string } | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CODES.has(code)) return { code };
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  '28P01',
  '28000',
  '3D000',
]);

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || '(未写库名)';
  } catch {
    return '(未写库名)';
  }
}
