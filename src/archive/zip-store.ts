import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { lstat, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** A file to put in the ZIP: its path relative to the folder ('/'-separated) and its size. */
export interface FolderFile {
  rel: string;
  size: number;
}

/**
 * Regular files under `dir` with their sizes, '/'-separated paths relative to it, sorted by name at
 * each level; `skipTop` leaves names at the top out (an in-place export's claim files).
 */
export async function folderFiles(dir: string, skipTop?: (name: string) => boolean): Promise<FolderFile[]> {
  const out: FolderFile[] = [];
  const walk = async (rel: string) => {
    const entries = (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const e of entries) {
      if (!rel && skipTop?.(e.name)) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push({ rel: r, size: (await lstat(join(dir, r))).size });
    }
  };
  await walk('');
  return out;
}

/**
 * A ZIP of these files of `dir` under the folder name `prefix/`, made as it is read: yazl, no
 * compression (STORED: the archive's files are already the original bytes; nothing is re-encoded),
 * UTF-8 names, ZIP64 when a package needs it, one file open at a time, so memory stays flat whatever
 * the package's size. `size` is the ZIP's exact length (STORED entries of known sizes), known before a
 * byte is read. When the stream is destroyed early (a download cut off) the file being read is closed.
 * A file whose size changed since it was listed fails the stream.
 */
export async function zipStream(
  dir: string,
  files: readonly FolderFile[],
  prefix: string,
  at: Date,
): Promise<{ stream: Readable; size: number }> {
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as Readable;
  let reading: ReadStream | undefined;
  for (const f of files)
    zip.addReadStreamLazy(
      `${prefix}/${f.rel}`,
      { compress: false, mtime: at, mode: 0o100644, size: f.size },
      (cb) => {
        reading = createReadStream(join(dir, f.rel));
        // yazl listens for no error on a lazy stream: unheard, a file gone meanwhile would end the process.
        reading.once('error', (err) => out.destroy(err));
        cb(null, reading);
      },
    );
  out.once('close', () => reading?.destroy());
  // yazl's own errors (a file whose size changed since it was listed) end the stream too.
  zip.on('error', (err: Error) => out.destroy(err));
  // @types/yazl types the callback without its argument, the ZIP's calculated size.
  const size = await new Promise<number>((resolve) => zip.end(undefined, resolve as unknown as () => void));
  return { stream: out, size };
}

/**
 * Packs a folder into a ZIP under the folder name `prefix/` (zipStream), into `<zipPath>.partial`
 * renamed to zipPath when whole (a killed process leaves no truncated ZIP under the finished name).
 * Returns the ZIP's size.
 */
export async function zipFolder(dir: string, zipPath: string, prefix: string, at: Date): Promise<number> {
  const { stream } = await zipStream(dir, await folderFiles(dir), prefix, at);
  const partial = `${zipPath}.partial`;
  try {
    await pipeline(stream, createWriteStream(partial));
    await rename(partial, zipPath);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return (await stat(zipPath)).size;
}
