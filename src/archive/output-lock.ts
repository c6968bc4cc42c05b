import { randomUUID } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isGone } from '../process-identity.js';
import { ownerOf, ownerText, putBack, readOwnerFile, readSettledOwner, staleSuffix } from './claim-owner.js';

/**
 * An exclusive lock on a chat export's output folders, held from before its earlier output is
 * removed until its ZIP is sent: `<exportsDir>/.export-<name>.lock`, made with 'wx' and holding the
 * owner (`host:pid:start`, then a token of this lock: exports in one bot process share the owner). A second export of the same folders while one holds it (a retry of the
 * same job run twice at once, two requests whose names coincide) is refused instead of deleting
 * the first one's package as it is zipped or uploaded. A lock whose owner is gone (a killed bot) is
 * taken over: renamed aside, read again, and given back by `link` if it was not the stale one read.
 */
export type OutputLock = { release: () => Promise<void> };

/** The lock's path for the folders named `name` under exportsDir. */
export const outputLockPath = (exportsDir: string, name: string): string =>
  join(exportsDir, `.export-${name}.lock`);

/** Takes the lock, or returns undefined while another export (alive, or on another host) holds it. */
export async function takeOutputLock(path: string): Promise<OutputLock | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let file;
    try {
      file = await open(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await setDeadLockAside(path))) return undefined;
      continue;
    }
    const text = `${ownerText()}${randomUUID()}\n`;
    try {
      await file.writeFile(text);
    } finally {
      await file.close();
    }
    return {
      release: async () => {
        if ((await readOwnerFile(path)) === text) await rm(path, { force: true });
      },
    };
  }
  return undefined;
}

/** Moves a lock whose owner is gone out of the way (true), or says it is held (false). */
async function setDeadLockAside(path: string): Promise<boolean> {
  // Made with 'wx' and written at once: one naming no process may be being written; read again up to a second.
  const text = await readSettledOwner(path, lockOwner);
  if (text === undefined) return true; // released meanwhile
  // Still empty after a second: its process was killed between making and writing it.
  const owner = lockOwner(text);
  if (owner && !isGone(owner)) return false;
  const aside = `${path}${staleSuffix()}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
  if ((await readOwnerFile(aside)) !== text) {
    // Another export's fresh lock: given back, never over one made since (then it stays aside, a name
    // no export takes for its lock).
    await putBack(aside, path);
    return false;
  }
  await rm(aside, { force: true });
  return true;
}

/** Removes the lock at `path` when its owner is gone (a job whose process died). */
export async function removeDeadOutputLock(path: string): Promise<void> {
  const owner = lockOwner(await readOwnerFile(path));
  if (owner && isGone(owner)) await rm(path, { force: true });
}

/** The process a lock's first line names. */
const lockOwner = (text: string | undefined) => ownerOf(text?.split('\n')[0]);
