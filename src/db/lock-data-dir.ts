import { readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import lockfile from 'proper-lockfile';
import { STOP_BOT_WAYS } from '../domain/stop-bot-text.js';
import { AppError } from '../errors.js';
import {
  identityText,
  isGone,
  parseIdentity,
  selfIdentity,
  type ProcessIdentity,
} from '../process-identity.js';

/**
 * What holds the embedded database: the bot, a backup, a restore, or another command. Written after
 * the holder's identity (`host:pid:start:backup`; a version that reads three fields ignores it), so
 * the check-up can say that a backup holds the database rather than "the bot is not running".
 */
export type DataDirUser = 'bot' | 'backup' | 'restore' | 'command';
const USERS: readonly string[] = ['bot', 'backup', 'restore', 'command'] satisfies DataDirUser[];

const HOLDER_WORDS: Record<DataDirUser, string> = {
  bot: '机器人',
  backup: '备份',
  restore: '恢复',
  command: '另一条命令',
};

/** Who holds the folder lock, and what for (undefined: a holder that did not say, an older version). */
export type DataDirHolder = ProcessIdentity & { user?: DataDirUser };

/**
 * PGlite is single-process and two processes on one folder silently lose data, so the folder is
 * locked before it is opened. The lock is refreshed while held and goes stale 10 s after a crash;
 * its holder (host, pid, process start time, and `user`: what it is) is written next to it
 * (`<dir>.owner`), so a lock whose process is gone (killed, the machine restarted, the pid now
 * someone else's) is taken over at once.
 */
export async function lockDataDir(dir: string, user: DataDirUser = 'command'): Promise<() => Promise<void>> {
  const ownerFile = `${dir}.owner`;
  const take = () =>
    lockfile.lock(dir, {
      stale: 10_000,
      update: 3_000,
      retries: 0,
      realpath: false,
      onCompromised: (err) => {
        // Another process took the folder over: continuing would corrupt the database.
        console.error(`FATAL: lost the lock on ${dir}: ${err.message}`);
        process.exit(70);
      },
    });
  let release: () => Promise<void>;
  try {
    try {
      release = await take();
    } catch (err: any) {
      if (err?.code !== 'ELOCKED' || !holderIsGone(dir)) throw err;
      // The holder died without releasing: its lock directory is ours to remove.
      rmdirSync(`${dir}.lock`);
      release = await take();
    }
  } catch (err: any) {
    if (err?.code === 'ELOCKED') {
      // Setting DATABASE_URL is no way out: it would leave every record in this folder behind.
      const holder = dataDirHolder(dir);
      const who = holder ? `${HOLDER_WORDS[holder.user ?? 'command']}（进程 ${holder.pid}）` : '另一个进程';
      const what =
        holder?.user === 'bot'
          ? `请先停止机器人（${STOP_BOT_WAYS}），再试。`
          : `请等它做完再试；是机器人的话先停止它（${STOP_BOT_WAYS}）。`;
      throw new AppError('data_dir_locked', `内置数据库 ${dir} 正被${who}使用：${what}`, { cause: err });
    }
    throw err;
  }
  writeFileSync(ownerFile, `${identityText(selfIdentity())}:${user}\n`);
  return async () => {
    rmSync(ownerFile, { force: true });
    await release();
  };
}

/** Who holds the lock on `dir`, as its holder wrote it (undefined: no record, e.g. an older version). */
export function dataDirHolder(dir: string): DataDirHolder | undefined {
  let text: string;
  try {
    text = readFileSync(`${dir}.owner`, 'utf8').trim();
  } catch {
    return undefined;
  }
  const id = parseIdentity(text);
  const user = text.split(':')[3];
  return id && user && USERS.includes(user) ? { ...id, user: user as DataDirUser } : id;
}

function holderIsGone(dir: string): boolean {
  // No record of the holder (an older version): wait for the lock to go stale.
  const holder = dataDirHolder(dir);
  return holder !== undefined && isGone(holder);
}
