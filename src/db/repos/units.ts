import { and, asc, eq, inArray, isNull, like, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { units } from '../schema/index.js';
import type { UnitKind, UnitRecord } from '../../domain/units.js';
import type { UnitStatus } from '../schema/column-types.js';

export interface UnitRow {
  id: number;
  code: string;
  name: string;
  kind: UnitKind;
  parentId: number | null;
  /** '/1/7/42/' — ids from the root down. */
  path: string;
  fullName: string;
  settings: Record<string, unknown>;
  /** active | retired (撤并: kept, no longer chased). */
  status: UnitStatus;
  retiredAt: Date | null;
  /** The unit it merged into, when retired by a merger. */
  mergedIntoId: number | null;
}

const columns = {
  id: units.id,
  code: units.code,
  name: units.name,
  kind: units.kind,
  parentId: units.parentId,
  path: units.path,
  fullName: units.fullName,
  settings: units.settings,
  status: units.status,
  retiredAt: units.retiredAt,
  mergedIntoId: units.mergedIntoId,
};

const toRow = (r: any): UnitRow => ({ ...r, kind: r.kind as UnitKind, settings: r.settings ?? {} });

/** Ids of the unit's ancestors and itself, root first, from its path. */
export function pathIds(path: string): number[] {
  return path.split('/').filter(Boolean).map(Number);
}

export async function getUnitByCode(db: Db, code: string): Promise<UnitRow | undefined> {
  const [r] = await db.select(columns).from(units).where(eq(units.code, code));
  return r && toRow(r);
}

export async function getUnitById(db: Db, id: number): Promise<UnitRow | undefined> {
  const [r] = await db.select(columns).from(units).where(eq(units.id, id));
  return r && toRow(r);
}

export async function listUnits(db: Db): Promise<UnitRow[]> {
  return (await db.select(columns).from(units).orderBy(asc(units.path))).map(toRow);
}

/** The units (any status) called one of `names`: what names a list of units apart (usecases/unit-naming.ts). */
export async function unitsNamed(db: Db, names: readonly string[]): Promise<UnitRow[]> {
  if (names.length === 0) return [];
  const rows = await db
    .select(columns)
    .from(units)
    .where(inArray(units.name, [...new Set(names)]))
    .orderBy(asc(units.path));
  return rows.map(toRow);
}

/** The active units whose leaders' chat (`settings.digestChat`) is `chatId`, by path. */
export async function unitsWithDigestChat(db: Db, chatId: string): Promise<UnitRow[]> {
  const rows = await db
    .select(columns)
    .from(units)
    .where(and(eq(units.status, 'active'), sql`${units.settings}->>'digestChat' = ${chatId}`))
    .orderBy(asc(units.path));
  return rows.map(toRow);
}

/** The unit and everything below it, parents before children (an index range scan on path). */
export async function listSubtreeUnits(db: Db, root: { path: string }): Promise<UnitRow[]> {
  const rows = await db
    .select(columns)
    .from(units)
    .where(like(units.path, `${root.path}%`))
    .orderBy(asc(units.path));
  return rows.map(toRow);
}

/** The units with no parent (the tree's roots: usually one county). */
export async function topUnits(db: Db): Promise<UnitRow[]> {
  return (await db.select(columns).from(units).where(isNull(units.parentId)).orderBy(asc(units.path))).map(
    toRow,
  );
}

/** The unit's direct children. */
export async function listChildUnits(db: Db, parentId: number): Promise<UnitRow[]> {
  return (
    await db.select(columns).from(units).where(eq(units.parentId, parentId)).orderBy(asc(units.path))
  ).map(toRow);
}

export interface UpsertUnitsResult {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * Inserts or updates units by code. `records` must be validated and ordered parents first
 * (validateUnitRecords). A rename or move rewrites path/full_name of the whole subtree.
 */
export async function upsertUnits(tx: Db, records: UnitRecord[], now: Date): Promise<UpsertUnitsResult> {
  const byCode = new Map((await listUnits(tx)).map((u) => [u.code, u]));
  const result: UpsertUnitsResult = { created: 0, updated: 0, unchanged: 0 };
  for (const rec of records) {
    const parent = rec.parentCode ? byCode.get(rec.parentCode) : undefined;
    if (rec.parentCode && !parent) throw new Error(`upsertUnits: parent ${rec.parentCode} not stored yet`);
    const existing = byCode.get(rec.code);
    if (!existing) {
      const [row] = await tx
        .insert(units)
        .values({
          code: rec.code,
          name: rec.name,
          kind: rec.kind,
          parentId: parent?.id ?? null,
          path: '',
          fullName: '',
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: units.id });
      const id = row!.id;
      const path = `${parent?.path ?? '/'}${id}/`;
      const fullName = parent ? `${parent.fullName}/${rec.name}` : rec.name;
      await tx.update(units).set({ path, fullName }).where(eq(units.id, id));
      byCode.set(rec.code, {
        ...rec,
        id,
        parentId: parent?.id ?? null,
        path,
        fullName,
        settings: {},
        status: 'active',
        retiredAt: null,
        mergedIntoId: null,
      });
      result.created++;
      continue;
    }
    const parentId = parent?.id ?? null;
    if (existing.name === rec.name && existing.kind === rec.kind && existing.parentId === parentId) {
      result.unchanged++;
      continue;
    }
    const path = `${parent?.path ?? '/'}${existing.id}/`;
    const fullName = parent ? `${parent.fullName}/${rec.name}` : rec.name;
    await tx
      .update(units)
      .set({ name: rec.name, kind: rec.kind, parentId, updatedAt: now })
      .where(eq(units.id, existing.id));
    const { path: oldPath, fullName: oldFullName } = existing;
    if (path !== oldPath || fullName !== oldFullName) {
      await tx.execute(
        sql`update units set path = ${path} || substr(path, ${oldPath.length + 1}),
              full_name = ${fullName} || substr(full_name, ${[...oldFullName].length + 1})
            where path like ${`${oldPath}%`}`,
      );
      for (const u of byCode.values()) {
        if (!u.path.startsWith(oldPath)) continue;
        u.path = path + u.path.slice(oldPath.length);
        u.fullName = fullName + u.fullName.slice(oldFullName.length);
      }
    }
    Object.assign(existing, { name: rec.name, kind: rec.kind, parentId });
    result.updated++;
  }
  return result;
}

/** Merges switches into a unit's settings, e.g. { reminders: false }. */
export async function updateUnitSettings(
  db: Db,
  unitId: number,
  patch: Record<string, unknown>,
  now: Date,
  remove: readonly string[] = [],
): Promise<void> {
  const removed = sql`(${units.settings} - ${`{${remove.join(',')}}`}::text[])`;
  await db
    .update(units)
    .set({ settings: sql`${removed} || ${JSON.stringify(patch)}::jsonb`, updatedAt: now })
    .where(eq(units.id, unitId));
}

/** code → parent code of every stored unit (for validating an import). */
export async function unitParentCodes(db: Db): Promise<Map<string, string | null>> {
  const all = await listUnits(db);
  const codeById = new Map(all.map((u) => [u.id, u.code]));
  return new Map(all.map((u) => [u.code, u.parentId === null ? null : (codeById.get(u.parentId) ?? null)]));
}
