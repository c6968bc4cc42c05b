import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { checklists } from '../schema/index.js';
import type { ChecklistTemplate } from '../../domain/checklist.js';

export interface StoredChecklist {
  id: number;
  code: string;
  version: number;
  title: string;
  level: string;
  sourceFile: string;
  contentHash: string;
  content: ChecklistTemplate;
}

const columns = {
  id: checklists.id,
  code: checklists.code,
  version: checklists.version,
  title: checklists.title,
  level: checklists.level,
  sourceFile: checklists.sourceFile,
  contentHash: checklists.contentHash,
  content: checklists.content,
};

const toRow = (r: any): StoredChecklist => ({ ...r, content: r.content as ChecklistTemplate });

/** The newest version of a checklist (or a given version). */
export async function getChecklist(
  db: Db,
  code: string,
  version?: number,
): Promise<StoredChecklist | undefined> {
  const where =
    version === undefined
      ? eq(checklists.code, code)
      : and(eq(checklists.code, code), eq(checklists.version, version));
  const [row] = await db
    .select(columns)
    .from(checklists)
    .where(where)
    .orderBy(desc(checklists.version))
    .limit(1);
  return row && toRow(row);
}

/** The codes of every loaded checklist, sorted. */
export async function checklistCodes(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ code: checklists.code }).from(checklists).orderBy(checklists.code);
  return rows.map((r) => r.code);
}

/** Stores a new version; returns undefined when another loader stored the same version first. */
export async function insertChecklistVersion(
  tx: Db,
  c: { template: ChecklistTemplate; version: number; sourceFile: string; contentHash: string },
  now: Date,
): Promise<StoredChecklist | undefined> {
  const [row] = await tx
    .insert(checklists)
    .values({
      code: c.template.code,
      version: c.version,
      title: c.template.title,
      level: c.template.level,
      sourceFile: c.sourceFile,
      contentHash: c.contentHash,
      content: c.template,
      loadedAt: now,
    })
    .onConflictDoNothing()
    .returning(columns);
  return row && toRow(row);
}
