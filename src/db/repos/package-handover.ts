import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../client.js';
import { transferPackages } from '../schema/index.js';

/** A package's state as handover and voiding read it. */
export interface PackageState {
  id: number;
  unitId: number;
  createdAt: Date;
  preCheck: boolean;
  handedAt: Date | null;
  handedTo: string | null;
  voidedAt: Date | null;
}

/** The package, locked for this transaction (two archivists recording at once: the second reads the first's). */
export async function packageStateForUpdate(tx: Db | Tx, id: number): Promise<PackageState | undefined> {
  const [r] = await tx
    .select({
      id: transferPackages.id,
      unitId: transferPackages.unitId,
      createdAt: transferPackages.createdAt,
      preCheck: transferPackages.preCheck,
      handedAt: transferPackages.handedAt,
      handedTo: transferPackages.handedTo,
      voidedAt: transferPackages.voidedAt,
    })
    .from(transferPackages)
    .where(eq(transferPackages.id, id))
    .for('update');
  return r;
}

/** Records 已移交 on a package made and neither handed over nor voided; false when it was either. */
export async function setPackageHanded(
  tx: Db | Tx,
  id: number,
  h: { at: Date; to: string; by: string; recordedAt: Date },
): Promise<boolean> {
  const rows = await tx
    .update(transferPackages)
    .set({ handedAt: h.at, handedTo: h.to, handedBy: h.by, handedRecordedAt: h.recordedAt })
    .where(
      and(
        eq(transferPackages.id, id),
        eq(transferPackages.preCheck, false),
        isNull(transferPackages.handedAt),
        isNull(transferPackages.voidedAt),
      ),
    )
    .returning({ id: transferPackages.id });
  return rows.length > 0;
}

/** Records 作废 on a package neither handed over nor voided; false when it was either. */
export async function setPackageVoided(
  tx: Db | Tx,
  id: number,
  v: { at: Date; by: string; reason: string },
): Promise<boolean> {
  const rows = await tx
    .update(transferPackages)
    .set({ voidedAt: v.at, voidedBy: v.by, voidReason: v.reason })
    .where(
      and(eq(transferPackages.id, id), isNull(transferPackages.handedAt), isNull(transferPackages.voidedAt)),
    )
    .returning({ id: transferPackages.id });
  return rows.length > 0;
}

/**
 * 撤销移交: a package recorded as handed over is made (已生成) again; false when it was not handed over
 * (or was meanwhile undone by someone else).
 */
export async function clearPackageHanded(tx: Db | Tx, id: number, handedAt: Date): Promise<boolean> {
  const rows = await tx
    .update(transferPackages)
    .set({ handedAt: null, handedTo: null, handedBy: null, handedRecordedAt: null })
    .where(and(eq(transferPackages.id, id), eq(transferPackages.handedAt, handedAt)))
    .returning({ id: transferPackages.id });
  return rows.length > 0;
}

/** 改登记: the day and receiver of a package handed over, corrected (the package stays handed over). */
export async function amendPackageHanded(
  tx: Db | Tx,
  id: number,
  h: { at: Date; to: string; by: string; recordedAt: Date },
): Promise<boolean> {
  const rows = await tx
    .update(transferPackages)
    .set({ handedAt: h.at, handedTo: h.to, handedBy: h.by, handedRecordedAt: h.recordedAt })
    .where(and(eq(transferPackages.id, id), isNotNull(transferPackages.handedAt)))
    .returning({ id: transferPackages.id });
  return rows.length > 0;
}
