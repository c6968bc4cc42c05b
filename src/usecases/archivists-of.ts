import type { Db } from '../db/client.js';
import { roleHolders } from '../db/repos/people.js';
import { pathIds } from '../db/repos/units.js';

/** The archivists closest to a unit: its own, else its parent's, and so on up. */
export async function archivistsOf(db: Db, unitPath: string): Promise<string[]> {
  const ids = pathIds(unitPath);
  const holders = await roleHolders(db, ids, 'archivist');
  for (const id of [...ids].reverse()) {
    const list = holders.get(id);
    if (list?.length) return list;
  }
  return [];
}
