import { asc, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { households } from '../schema/index.js';

export interface HouseholdRow {
  id: number;
  unitId: number;
  code: string;
  headName: string;
  groupName: string | null;
}

/** Inserts or updates a household by (village, code); returns whether it was new. */
export async function upsertHousehold(
  tx: Db,
  h: { unitId: number; code: string; headName: string; groupName: string | null },
  now: Date,
): Promise<'created' | 'updated' | 'unchanged'> {
  const [row] = await tx
    .insert(households)
    .values({ ...h, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [households.unitId, households.code],
      set: { headName: h.headName, groupName: h.groupName, updatedAt: now },
      // The same row imported again is left alone (and counted 未变, not 更新).
      setWhere: sql`(${households.headName}, ${households.groupName}) is distinct from (excluded.head_name, excluded.group_name)`,
    })
    .returning({ inserted: sql<boolean>`(xmax = 0)` });
  return !row ? 'unchanged' : row.inserted ? 'created' : 'updated';
}

export async function listHouseholds(db: Db, unitIds: number[]): Promise<HouseholdRow[]> {
  if (unitIds.length === 0) return [];
  return db
    .select({
      id: households.id,
      unitId: households.unitId,
      code: households.code,
      headName: households.headName,
      groupName: households.groupName,
    })
    .from(households)
    .where(inArray(households.unitId, unitIds))
    .orderBy(asc(households.unitId), asc(households.code));
}
