import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { dataDirAccessText } from '../data-dir-check.js';
import { diskFullText } from '../disk-full.js';
import { processGroupName, processUserName } from '../process-user.js';

/** A folder a command writes into: what it is called, and the option that names another. */
interface WritePlace {
  dir: string;
  /** 「报告目录」, 「输出目录」. */
  label: string;
  /** The option that chooses another folder (`--out`). */
  option: string;
}

/** Where a command writes, filled in as it learns it (its data folder, its output folders). */
export interface WriteContext {
  dataDir?: string;
  places?: WritePlace[];
}

const REFUSED = new Set(['EACCES', 'EPERM', 'EROFS']);

/** The file-system error behind `err` (itself or a cause) that refused this user, if any. */
function refusal(err: unknown): { code: string; path: string } | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const { code, path } = e as NodeJS.ErrnoException;
    if (code && REFUSED.has(code) && path) return { code, path: resolve(path) };
  }
  return undefined;
}

/** `path` is `dir`, inside it, above it, or its `.partial` beside it (export's work folder). */
const concerns = (path: string, dir: string) =>
  path === dir ||
  path.startsWith(`${dir}/`) ||
  dir.startsWith(`${path}/`) ||
  path.startsWith(`${dir}.partial`);

/**
 * A write the command's user was refused (EACCES, EPERM) or a read-only disk (EROFS), as one line that
 * names the folder and what to do: `npm run verify` as the service user died with
 * 「出错了：EACCES: permission denied, mkdir '…/reports/四性检测-…'」, `npm run remind` with the same of
 * the data folder. A folder of the command's own (`places`: the report or output folder) is named with
 * the `install -d` that makes it this user's and the option that chooses another; the data folder with
 * dataDirAccessText; any other path with its folder to check. Undefined for any other failure.
 */
export function writeRefusedText(err: unknown, where: WriteContext = {}): string | undefined {
  // A full disk (or used-up quota): the folder, `df -h` and what to free (a write to an open file names no
  // path: the data folder then).
  const full = diskFullText(err, where.dataDir);
  if (full) return full;
  const refused = refusal(err);
  if (!refused) return undefined;
  const { code, path } = refused;
  const user = processUserName();
  for (const place of where.places ?? []) {
    const dir = resolve(place.dir);
    if (!concerns(path, dir)) continue;
    if (code === 'EROFS')
      return `${place.label} ${dir} 写不进去：${path} 所在的磁盘是只读的（EROFS），请用 ${place.option} 换一个目录`;
    return (
      `${place.label} ${dir} 写不进去：运行命令的用户 ${user} 没有权限写入 ${path}（${code}）。` +
      `请先以 root 运行 install -d -o ${user} -g ${processGroupName()} -m 750 ${dir}，再运行这条命令；或用 ${place.option} 换一个 ${user} 能写的目录`
    );
  }
  const data = where.dataDir === undefined ? undefined : dataDirAccessText(where.dataDir, err);
  if (data) return data;
  const folder = isDir(path) ? path : dirname(path);
  return (
    `运行命令的用户 ${user} ${code === 'EROFS' ? '写不了' : '没有权限读写'} ${path}（${code}${code === 'EROFS' ? '，磁盘是只读的' : ''}）：` +
    `请检查 ${folder} 的属主和权限（ls -ld ${folder}），让 ${user} 能读写它，或换一个位置`
  );
}

const isDir = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/**
 * Whether this user may write the output folder `dir` before anything long runs (an export reads
 * every file first, verify re-hashes them): when it exists, it (or, `renamedOver`, its parent: an
 * export renames the finished package over it) writable, else the nearest folder above it that
 * exists. The line writeRefusedText says, or undefined.
 */
export function outFolderRefusedText(place: WritePlace, renamedOver = false): string | undefined {
  const dir = resolve(place.dir);
  const writable = (p: string) => {
    try {
      accessSync(p, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (err) {
      return err;
    }
  };
  let probe = dir;
  if (existsSync(dir)) {
    const own = writable(dir);
    if (!own || (renamedOver && !writable(dirname(dir)))) return undefined;
    return writeRefusedText(own, { places: [place] });
  }
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  // A file where a folder should be (--out a-file/reports): no permission matter (its missing x bit would
  // read as EACCES even for root); the mkdir says what it is (ENOTDIR).
  if (!isDir(probe)) return undefined;
  const err = writable(probe);
  return err ? writeRefusedText(err, { places: [place] }) : undefined;
}
