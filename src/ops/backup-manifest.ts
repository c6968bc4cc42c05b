import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** `sha256sum -c` reads this file too: `<hex>  <path>` per line, paths relative to the backup folder. */
export const MANIFEST = 'manifest-sha256.txt';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Every regular file below `dir` (relative, `/`-separated, sorted). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/**
 * Hashes every file of the backup (but the manifest) and writes the manifest last. `known`: hashes
 * of files taken while they were written (a blob copied through a verified read: the bytes written
 * hashed to its name), not read again.
 */
export async function writeManifest(dir: string, known?: Map<string, string>): Promise<number> {
  const lines: string[] = [];
  for (const file of await listFiles(dir)) {
    if (file === MANIFEST) continue;
    lines.push(`${known?.get(file) ?? (await sha256File(join(dir, file)))}  ${file}`);
  }
  await writeFile(join(dir, MANIFEST), lines.map((l) => `${l}\n`).join(''));
  return lines.length;
}

/** Problems found: missing, changed or unlisted files (empty when the backup is intact). */
export async function verifyManifest(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch {
    return [`缺少清单文件 ${MANIFEST}`];
  }
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (!line) continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m || m[2]!.split('/').includes('..')) {
      problems.push(`${MANIFEST} 第 ${i + 1} 行格式不对`);
      continue;
    }
    const [, expected, file] = m;
    listed.add(file!);
    const actual = await sha256File(join(dir, file!)).catch(() => undefined);
    if (actual === undefined) problems.push(`缺少文件 ${file}`);
    else if (actual !== expected) problems.push(`文件已损坏（SHA-256 不符）：${file}`);
  }
  for (const file of await listFiles(dir))
    if (file !== MANIFEST && !listed.has(file)) problems.push(`清单里没有的文件：${file}`);
  return problems;
}
