import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../src/db/client.js';
import type { BlobStore } from '../../src/ports/blob-store.js';

export interface ExpectedMaterial {
  messageId: string;
  resourceKey: string;
  sha256: string;
}

export interface VerifyResult {
  ok: boolean;
  expected: number;
  /** Material rows found for the expected (message, key) pairs. */
  rows: number;
  stored: number;
  /** Rows whose recorded SHA-256 differs from the bytes the fake served. */
  wrongHash: number;
  /** Stored files whose bytes, re-read from the store, do not hash to the recorded SHA-256. */
  badFiles: number;
  problems: string[];
}

/** The stored bytes' SHA-256, read back through the store (unverified: we compare ourselves). */
const sha256Stored = async (blobs: BlobStore, key: string) => {
  const hash = createHash('sha256');
  try {
    for await (const c of blobs.openRead(key, { verify: false })) hash.update(c as Buffer);
  } catch {
    return 'unreadable';
  }
  return hash.digest('hex');
};

/**
 * Every expected material stored exactly once, with the SHA-256 of the bytes the fake served, in a
 * file whose bytes still hash to it.
 */
export async function verifyStored(
  db: Db,
  blobs: BlobStore,
  expected: ExpectedMaterial[],
): Promise<VerifyResult> {
  const rows = await queryRows<{
    message_id: string;
    resource_key: string;
    status: string;
    sha256: string | null;
    storage_key: string | null;
  }>(db, sql`select message_id, resource_key, status, sha256, storage_key from materials`);
  const byKey = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = `${r.message_id}/${r.resource_key}`;
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  const r: VerifyResult = {
    ok: false,
    expected: expected.length,
    rows: 0,
    stored: 0,
    wrongHash: 0,
    badFiles: 0,
    problems: [],
  };
  const note = (p: string) => r.problems.length < 5 && r.problems.push(p);
  for (const e of expected) {
    const found = byKey.get(`${e.messageId}/${e.resourceKey}`) ?? [];
    r.rows += found.length;
    if (found.length !== 1) note(`${e.messageId}: ${found.length} rows`);
    const m = found[0];
    if (!m) continue;
    if (m.status === 'stored') r.stored++;
    else note(`${e.messageId}: ${m.status}`);
    if (m.sha256 !== e.sha256) {
      r.wrongHash++;
      note(`${e.messageId}: sha256 ${m.sha256} ≠ ${e.sha256}`);
    }
    if (m.storage_key && (await sha256Stored(blobs, m.storage_key)) !== e.sha256) r.badFiles++;
  }
  r.ok = r.rows === r.expected && r.stored === r.expected && r.wrongHash === 0 && r.badFiles === 0;
  return r;
}
