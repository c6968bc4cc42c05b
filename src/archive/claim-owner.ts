import { link, readFile, unlink } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { DomainError } from '../errors.js';
import { identityText, parseIdentity, selfIdentity, type ProcessIdentity } from '../process-identity.js';

/**
 * The owner files of an export's claim on its output folder (`<out>.partial/owner`, or
 * `<out>/.export-in-progress` for a package written in place): `host:pid:start` of the writing
 * process, and the errors that name them.
 */

/** What this process writes into an owner file. */
export const ownerText = (): string => `${identityText(selfIdentity())}\n`;

/** Whether an owner file's text names this process. */
export const isMine = (text: string | undefined): boolean => text?.trim() === identityText(selfIdentity());

/** An owner file's text, or undefined when it (or its folder) is not there. */
export const readOwnerFile = (path: string): Promise<string | undefined> =>
  readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });

/** The process an owner file's text names (undefined: empty or garbled, not written by this version). */
export const ownerOf = (text: string | undefined): ProcessIdentity | undefined =>
  text === undefined ? undefined : parseIdentity(text.trim());

/**
 * An owner file that names no process may be one created this instant and not yet written (a claim
 * file made with 'wx' is empty until its write lands): read it again a few times (up to about a
 * second) before taking it as what it says. Returns the last text read (undefined: it went away).
 */
export async function readSettledOwner(
  path: string,
  owner: (text: string) => ProcessIdentity | undefined = ownerOf,
  tries = 40,
): Promise<string | undefined> {
  let text = await readOwnerFile(path);
  for (let i = 1; i < tries && text !== undefined && !owner(text); i++) {
    await delay(25);
    text = await readOwnerFile(path);
  }
  return text;
}

/**
 * Gives back a claim this process moved aside that was not the stale one it read (another export's,
 * made meanwhile): linked back under its name, never over a claim made since (link fails on an
 * existing name; the aside then stays, naming its live owner, and is judged like any set-aside claim).
 */
export async function putBack(aside: string, claim: string): Promise<void> {
  try {
    await link(aside, claim);
  } catch {
    return;
  }
  await unlink(aside).catch(() => undefined);
}

/** The suffix a claim is renamed aside with by this process when it takes over a stale one. */
export const staleSuffix = (): string => `.stale-${identityText(selfIdentity()).replaceAll(':', '-')}`;

/**
 * Who renamed a stale claim aside, from its name (`<claimName>.stale-host-pid-start`, as
 * staleSuffix gives it); undefined when `name` is no such name.
 */
export function takerOf(name: string, claimName: string): ProcessIdentity | undefined {
  const prefix = `${claimName}.stale-`;
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(.+)-(\d+)-(\d+|-)$/.exec(name.slice(prefix.length));
  return m ? { host: m[1]!, pid: Number(m[2]), start: m[3]! } : undefined;
}

/** Another export holds the folder (its owner may still run): refused, nothing deleted. */
export const runningElsewhere = (outDir: string, owner?: ProcessIdentity): DomainError =>
  new DomainError(
    'export_running',
    `另一个导出正在写入输出目录 ${outDir}${owner ? `（${owner.host} 上的进程 ${owner.pid}）` : ''}，请等它完成后再试，或换一个输出目录`,
  );

/** A claim whose owner file names no process: never deleted (it may be a claim being made). */
export const unownedClaim = (what: string, todo: string): DomainError =>
  new DomainError(
    'export_partial_unowned',
    `${what} 是一个未完成的导出，但没有记录是哪个进程写的（也可能另一个导出正在创建它）；` +
      `确认没有其他导出在运行后请${todo}，再试一次`,
  );

/** An output folder that holds something that is not a dead export's (`foreign`: what, when known). */
export const notEmpty = (dir: string, foreign: string[] = []): DomainError =>
  new DomainError(
    'out_dir_not_empty',
    `输出目录 ${dir} 不是空的` +
      (foreign.length > 0
        ? `：${foreign.slice(0, 5).join('、')}${foreign.length > 5 ? ` 等 ${foreign.length} 项` : ''} 不是导出写的，请手工移走后再试，或换一个新目录`
        : '，请换一个新目录'),
  );
