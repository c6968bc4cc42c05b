import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { AppError } from '../errors.js';

/**
 * The embedded database is one user's: the service runs as archive-bot, and a command run as root
 * on its folder (without `sudo -u archive-bot`) leaves files only root may write, after which the
 * bot and every command die inside PGlite with "Aborted(). Build with -sASSERTIONS for more info.".
 * Checked before the folder is locked or opened: root is refused a folder someone else owns, and
 * anyone else is told which file is not theirs and the chown that gives it back.
 */
export function checkPgliteOwner(dataDir: string): void {
  const me = process.getuid?.();
  const dir = resolve(dataDir);
  const pglite = join(dir, 'pglite');
  if (me === undefined || !existsSync(pglite)) return;
  if (me === 0) {
    const owner = lstatSync(dir).uid;
    if (owner === 0) return;
    const name = userName(owner);
    throw new AppError(
      'data_dir_other_owner',
      `数据目录 ${dir} 属于用户 ${name}，不要以 root 打开它：root 写下的文件 ${name} 读写不了，机器人会启动不了。请以 ${name} 运行，例如 sudo -u ${name} node --env-file=… dist/cli/main.js …。`,
    );
  }
  const foreign = firstForeign(dir, pglite, me);
  if (!foreign) return;
  const who = userName(me);
  throw new AppError(
    'data_dir_foreign_files',
    `数据目录 ${dir} 里有 ${who} 读写不了的文件（${relative(dir, foreign.path)} 属于 ${userName(foreign.uid)}），数据库打不开：多半是以 root 运行过命令行工具。请以 root 运行 chown -R ${who}: ${dir}，再启动；命令行工具请用 sudo -u ${who} 运行。`,
  );
}

/** The first entry of the database folder (or its lock files beside it) not owned by `uid`. */
function firstForeign(dir: string, pglite: string, uid: number): { path: string; uid: number } | undefined {
  const top = readdirSync(dir)
    .filter((e) => e.startsWith('pglite'))
    .map((e) => join(dir, e));
  const inside = readdirSync(pglite, { recursive: true }).map((e) => join(pglite, String(e)));
  for (const path of [...top, ...inside]) {
    const owner = lstatSync(path).uid;
    if (owner !== uid) return { path, uid: owner };
  }
  return undefined;
}

/** A user's name from /etc/passwd, else `uid N`. */
function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === uid && id !== '') return name;
    }
  } catch {
    // No passwd file: the number says it.
  }
  return `uid ${uid}`;
}
