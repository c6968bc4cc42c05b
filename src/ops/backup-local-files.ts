import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorMessage } from '../errors.js';
import { BlobDamagedError, sha256OfBlobKey } from '../ports/blob-store.js';
import { verifyBlob } from '../storage/verified-read.js';
import type { StoredFiles } from './backup-damaged.js';
import { BLOB_MODE } from './backup-object-store.js';
import { readSide, SourceReadError } from './source-read.js';

/**
 * Copies DATA_DIR/files (but writes in progress, tmp/). A blob is read through the stores' verified
 * read (its bytes must hash to its name): a damaged one is left out and named, never copied with a
 * manifest line computed from the damaged copy.
 */
export async function copyStoredFiles(from: string, to: string): Promise<StoredFiles> {
  const result: StoredFiles = { files: 0, bytes: 0, sizes: new Map(), damaged: [], hashes: new Map() };
  if (!existsSync(from)) return result;
  for (const rel of await listStoredFiles(from)) {
    if (rel.startsWith('tmp/')) continue;
    const target = join(to, rel);
    await mkdir(dirname(target), { recursive: true });
    const sha256 = sha256OfBlobKey(rel);
    if (sha256) {
      try {
        await pipeline(
          readSide(() => verifyBlob(rel, createReadStream(join(from, rel)))),
          createWriteStream(target, { flags: 'wx', mode: BLOB_MODE }),
        );
      } catch (err) {
        await rm(target, { force: true });
        // Only the source's errors (damaged, unreadable, vanished) name the file; the target's
        // (ENOSPC, EACCES on the backup folder) fail the backup.
        if (!(err instanceof SourceReadError)) throw err;
        const reason =
          err.cause instanceof BlobDamagedError
            ? `已损坏：${(await stat(join(from, rel))).size} 字节，内容与文件名的 SHA-256 不符`
            : `读取失败：${errorMessage(err.cause)}`;
        result.damaged.push({ key: rel, reason });
        continue;
      }
      result.hashes!.set(`files/${rel}`, sha256);
    } else await copyFile(join(from, rel), target);
    const size = (await stat(target)).size;
    result.files += 1;
    result.bytes += size;
    if (sha256) result.sizes.set(rel, size);
  }
  return result;
}

/** DATA_DIR/files' files and symlinks (a symlinked blob whose target is gone is read, and named). */
async function listStoredFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}
