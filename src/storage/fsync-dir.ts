import { open } from 'node:fs/promises';

/**
 * Flushes a directory entry (after a create/rename/link) so it survives a power cut. Platforms that
 * cannot open directories for syncing (Windows) are skipped silently.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    await fh?.close();
  }
}
