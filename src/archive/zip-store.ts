import { createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/** Files under `dir` as '/'-separated paths relative to it, sorted. */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else out.push(r);
  }
  return out;
}

/**
 * Packs a folder into a ZIP under the folder name `prefix/`, with yazl: no compression (STORED: the
 * archive's files are already the original bytes; nothing is re-encoded), UTF-8 names, ZIP64 when a
 * package needs it, streamed file by file, into `<zipPath>.partial` renamed to zipPath when whole (a
 * killed process leaves no truncated ZIP under the finished name). Returns the ZIP's size.
 */
export async function zipFolder(dir: string, zipPath: string, prefix: string, at: Date): Promise<number> {
  const zip = new yazl.ZipFile();
  for (const rel of await listFiles(dir))
    zip.addFile(join(dir, rel), `${prefix}/${rel}`, { compress: false, mtime: at, mode: 0o100644 });
  zip.end();
  const partial = `${zipPath}.partial`;
  try {
    await pipeline(zip.outputStream, createWriteStream(partial));
    await rename(partial, zipPath);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return (await stat(zipPath)).size;
}
