import { mkdir, readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from '../db/lock-data-dir.js';

/** Loads a PGlite dump (dumpDataDir) into the new folder `dir`, holding the folder lock meanwhile. */
export async function loadPgliteDump(dump: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const release = await lockDataDir(dir, 'restore');
  try {
    const client = await PGlite.create(dir, { loadDataDir: new Blob([await readFile(dump)]) });
    await client.query('select 1');
    await client.close();
  } finally {
    await release();
  }
}
