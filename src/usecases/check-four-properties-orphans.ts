import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import { knownBlobHashes } from '../db/repos/archive-checks.js';
import { failure, type ReportBuilder } from '../domain/four-properties.js';
import type { BlobStore } from '../ports/blob-store.js';

const HEX2 = /^[0-9a-f]{2}$/;

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * "Every file has its row": walks the blob store (`blobs/ab/cd/<sha256>`) one leaf folder at a time
 * (flat memory) and reports files no blob row and no material points at.
 */
export async function checkOrphanFiles(db: Db, blobs: BlobStore, report: ReportBuilder): Promise<number> {
  const root = blobs.pathOf('blobs');
  let seen = 0;
  for (const a of await list(root)) {
    if (!HEX2.test(a)) continue;
    for (const b of await list(join(root, a))) {
      if (!HEX2.test(b)) continue;
      const names = await list(join(root, a, b));
      seen += names.length;
      const known = await knownBlobHashes(db, names);
      for (const name of names) {
        if (known.has(name)) continue;
        report.add(
          failure('orphan_file', '存储中的文件没有对应的材料记录', { file: `blobs/${a}/${b}/${name}` }),
        );
      }
    }
  }
  report.checked('integrity', seen);
  return seen;
}
