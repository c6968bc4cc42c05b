import type { Db } from '../db/client.js';
import { knownBlobHashes } from '../db/repos/archive-checks.js';
import { failure, type ReportBuilder } from '../domain/four-properties.js';
import type { BlobStore } from '../ports/blob-store.js';

/**
 * "Every file has its row": lists the blob store (`blobs/ab/cd/<sha256>`) a page at a time (flat
 * memory; a folder walk locally, object listing in a bucket) and reports files no blob row and no
 * material points at.
 */
export async function checkOrphanFiles(db: Db, blobs: BlobStore, report: ReportBuilder): Promise<number> {
  let seen = 0;
  for await (const keys of blobs.listBlobs()) {
    seen += keys.length;
    const nameOf = (key: string) => key.slice(key.lastIndexOf('/') + 1);
    const known = await knownBlobHashes(db, keys.map(nameOf));
    for (const key of keys) {
      if (known.has(nameOf(key))) continue;
      report.add(failure('orphan_file', '存储中的文件没有对应的材料记录', { file: key }));
    }
  }
  report.checked('integrity', seen);
  return seen;
}
