import type { Db } from '../db/client.js';
import type { ActionSource } from '../db/repos/audit.js';
import { listConfirmCandidates, unitCodesByPath, type ConfirmCandidate } from '../db/repos/archive-items.js';
import { materialsOfItems } from '../db/repos/archive-catalogue.js';
import {
  insertArchiveAudit,
  insertArchiveRecords,
  lockClassCounters,
  numberRecordPhotos,
  recordsOfConfirmBatch,
  setClassCounter,
  setItemKinds,
  type NewArchiveRecord,
} from '../db/repos/archive-records.js';
import { listUnitFonds } from '../db/repos/fonds.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getUnitById } from '../db/repos/units.js';
import {
  classKeyOf,
  classPartsOf,
  codeRangeText,
  formatArchivalCode,
  type ArchivalCodeRules,
  type ClassParts,
} from '../domain/archival-code.js';
import { withUnitFonds } from '../domain/fonds.js';
import { againstPreview, type PreviewedSet } from '../domain/previewed-set.js';
import { DomainError } from '../errors.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import { countPdfPages } from '../archive/pdf-pages.js';
import { withBlobFile } from './blob-file.js';
import { sampleFondsRefusal, type FondsSettings } from './sample-fonds-guard.js';

export interface ConfirmDeps {
  db: Db;
  clock: Clock;
  /** archive.yaml's numbering rules, with its top fonds' name (the shipped sample's is refused). */
  rules: ArchivalCodeRules & FondsSettings;
  /** When given, PDF pages are counted from the stored files for 页数. */
  blobs?: BlobStore;
}

export interface ConfirmInput {
  unitId: number;
  year: number;
  taskId?: number;
  actor: string;
  source: ActionSource;
  /**
   * Names this confirmation (the preview card's message) in its audit rows: when a retry of the
   * card's job finds nothing left to number, it reports what the batch numbered.
   */
  batch?: string;
  /**
   * What the preview card showed (its button's set): only those 件 are numbered, and only while they
   * are still exactly as shown; 件 filed after it are left out and counted. Absent (`archive
   * confirm`, which previews nothing): every candidate.
   */
  shown?: PreviewedSet;
  /** The command to confirm again, as sent where the outcome is read (named by what was left out). */
  again?: string;
  /** The unit as the outcome names it (unitCalled: 城关镇东村 when another active unit is called 东村); its name by default. */
  unitName?: string;
}

export interface ConfirmedClass {
  classKey: string;
  count: number;
  codes: string[];
}

export type ConfirmOutcome =
  | {
      status: 'confirmed';
      count: number;
      classes: ConfirmedClass[];
      records: { itemId: number; archivalCode: string }[];
      /** Left out: 件 filed after the preview; 件 whose class changed while this ran. */
      later: number;
      skipped: number;
      message: string;
    }
  | { status: 'nothing'; message: string }
  | { status: 'refused'; message: string }
  /** The 件 the preview showed changed since (refiled, taken off, reclassified, confirmed elsewhere): none numbered. */
  | { status: 'changed'; message: string };

/** Why a preview's tap numbered nothing (its card is drawn again below it). */
const PREVIEW_CHANGED =
  '预览之后，其中有材料改归、撤下、改了分类或已由他人确认，这次没有编号。请核对下面重新列出的材料再确认。';

/**
 * Confirms the live, unconfirmed items of a unit's subtree for a year (or one task) and gives each
 * its 档号 — from a preview card, only the 件 it showed (`shown`), checked again under the locks. Numbers are handed out under a row lock on each class counter, in one transaction with
 * the records and the audit rows: concurrent confirmations queue, and a failure hands out nothing,
 * so every class stays 1..N without gaps or duplicates. With a `batch` that already numbered (the
 * earlier attempt committed, then failed to say so), the outcome is that batch's records.
 */
export async function confirmArchive(deps: ConfirmDeps, input: ConfirmInput): Promise<ConfirmOutcome> {
  const { db } = deps;
  const unit = await getUnitById(db, input.unitId);
  if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
  const name = input.unitName ?? unit.name;
  if (input.source !== 'cli' && !(await hasUnitRole(db, input.actor, unit, ['archivist', 'admin'])))
    return { status: 'refused', message: `只有${name}或上级的档案员才能确认归档` };
  const scope = { unitPath: unit.path, year: input.year, taskId: input.taskId };
  // A retry after this batch numbered (its card was not updated): what it numbered, never more.
  const done = input.batch ? await recordsOfConfirmBatch(db, input.batch) : [];
  if (done.length > 0) return confirmedOutcome(name, input.year, done);
  const found = await listConfirmCandidates(db, scope);
  let pre = found;
  let later = 0;
  if (input.shown) {
    const vs = againstPreview(found, input.shown);
    if (!vs.same) return { status: 'changed', message: PREVIEW_CHANGED };
    pre = vs.shown;
    later = vs.later.length;
  }
  if (pre.length === 0) return { status: 'nothing', message: `${name}${input.year}年度没有待确认的归档材料` };
  // Never numbered under the shipped sample's 全宗号: a 件号 once confirmed is never reused.
  const sample = await sampleFondsRefusal(
    db,
    deps.rules,
    unit,
    pre.map((c) => c.unitPath),
  );
  if (sample) return { status: 'refused', message: sample };

  const { rules, partsOf } = await classesOf(db, deps.rules, pre);
  const pages = deps.blobs
    ? await countPages(
        db,
        deps.blobs,
        pre.map((c) => c.itemId),
      )
    : new Map<number, number>();
  const now = deps.clock.now();

  const assigned = await db.transaction(async (tx) => {
    const counters = await lockClassCounters(
      tx,
      pre.map((c) => classKeyOf(partsOf(c))),
      now,
    );
    // Re-read under the locks: a concurrent confirmation that got there first has committed.
    const cands = await listConfirmCandidates(tx, { ...scope, itemIds: pre.map((c) => c.itemId) }, true);
    // The preview's 件 changed between the first read and the locks: none numbered, none locked for long.
    if (input.shown && !againstPreview(cands, input.shown).same) return 'changed' as const;
    const records: NewArchiveRecord[] = numberInOrder(cands, counters, partsOf, rules).map((n) => ({
      itemId: n.candidate.itemId,
      unitId: n.candidate.unitId,
      classKey: n.classKey,
      ...n.parts,
      pieceNumber: n.pieceNumber,
      archivalCode: n.archivalCode,
      pages: pages.get(n.candidate.itemId) ?? null,
      status: 'confirmed',
      confirmedAt: now,
      confirmedBy: input.actor,
    }));
    // Left out by numberInOrder: their class changed since the counters were locked.
    const skipped = cands.length - records.length;
    if (records.length === 0) return { records, skipped };
    await insertArchiveRecords(tx, records);
    // 照片号 (档号-张号) are confirmed with the 档号: a later recall must not renumber them.
    await numberRecordPhotos(
      tx,
      records.map((r) => r.itemId),
    );
    const numbered = new Set(records.map((r) => r.itemId));
    const regrouped = cands.filter((c) => numbered.has(c.itemId) && c.kind !== c.filedKind);
    for (const kind of new Set(regrouped.map((c) => c.kind)))
      await setItemKinds(
        tx,
        regrouped.filter((c) => c.kind === kind).map((c) => c.itemId),
        kind,
      );
    for (const [key, last] of counters) await setClassCounter(tx, key, last, now);
    const byItem = new Map(cands.map((c) => [c.itemId, c]));
    await insertArchiveAudit(
      tx,
      records.map((r) => ({
        at: now,
        actor: input.actor,
        action: 'confirm' as const,
        source: input.source,
        unitId: r.unitId,
        taskId: byItem.get(r.itemId)?.taskId ?? null,
        itemId: r.itemId,
        details: {
          archivalCode: r.archivalCode,
          classKey: r.classKey,
          pieceNumber: r.pieceNumber,
          ...(input.batch ? { batch: input.batch } : {}),
        },
      })),
    );
    return { records, skipped };
  });
  if (assigned === 'changed') return { status: 'changed', message: PREVIEW_CHANGED };
  const { records, skipped } = assigned;
  if (records.length === 0)
    return {
      status: 'nothing',
      message:
        skipped > 0
          ? `${name}${input.year}年度的 ${skipped} 件在确认期间改了分类，没有编号；请${againText(input.again)}。`
          : `${name}${input.year}年度的材料已由他人确认归档`,
    };
  return confirmedOutcome(name, input.year, records, { later, skipped, again: input.again });
}

const againText = (again: string | undefined) => (again ? `再发送「${again}」` : '再确认归档一次');

/** How the candidates are classified: their class parts, each unit's items in the fonds of the nearest unit (itself or above) that holds one. */
export async function classesOf(
  db: Db,
  configured: ArchivalCodeRules,
  cands: ConfirmCandidate[],
): Promise<{ rules: ArchivalCodeRules; partsOf: (c: ConfirmCandidate) => ClassParts }> {
  const codes = await unitCodesByPath(db, [...new Set(cands.map((c) => c.unitPath))]);
  const rules = withUnitFonds(configured, await listUnitFonds(db));
  const partsOf = (c: ConfirmCandidate): ClassParts =>
    classPartsOf(
      {
        kind: c.kind,
        year: c.year,
        retention: c.retention,
        taskClass: c.taskClass,
        unitKind: c.unitKind,
        unitCodes: codes.get(c.unitPath) ?? [],
      },
      rules,
    );
  return { rules, partsOf };
}

/**
 * The 档号 each candidate gets, in catalogue order, after its class's last 件号 (`counters`, advanced in
 * place). A candidate whose class has no counter is left for next time (its class changed since the
 * counters were read: refiled).
 */
export function numberInOrder(
  cands: ConfirmCandidate[],
  counters: Map<string, number>,
  partsOf: (c: ConfirmCandidate) => ClassParts,
  rules: ArchivalCodeRules,
): {
  candidate: ConfirmCandidate;
  parts: ClassParts;
  classKey: string;
  pieceNumber: number;
  archivalCode: string;
}[] {
  const out = [];
  for (const c of cands) {
    const parts = partsOf(c);
    const classKey = classKeyOf(parts);
    const last = counters.get(classKey);
    if (last === undefined) continue;
    counters.set(classKey, last + 1);
    out.push({
      candidate: c,
      parts,
      classKey,
      pieceNumber: last + 1,
      archivalCode: formatArchivalCode(parts, last + 1, rules),
    });
  }
  return out;
}

/** The outcome naming what was numbered, per class the range of 档号 and the count. */
export function confirmedOutcome(
  unitName: string,
  year: number,
  assigned: { itemId: number; archivalCode: string; classKey: string }[],
  left: { later?: number; skipped?: number; again?: string } = {},
): ConfirmOutcome & { status: 'confirmed' } {
  const classes = new Map<string, ConfirmedClass>();
  for (const r of assigned) {
    const c = classes.get(r.classKey) ?? { classKey: r.classKey, count: 0, codes: [] };
    c.count++;
    c.codes.push(r.archivalCode);
    classes.set(r.classKey, c);
  }
  const lines = [...classes.values()].map((c) => `${codeRangeText(c.codes)}（${c.count}件）`);
  const later = left.later ?? 0;
  const skipped = left.skipped ?? 0;
  const notes = [
    ...(later > 0
      ? [`另有 ${later} 件是预览之后交的，这次没有编号；核对后请${againText(left.again)}。`]
      : []),
    ...(skipped > 0
      ? [`另有 ${skipped} 件在确认期间改了分类，这次没有编号；请${againText(left.again)}。`]
      : []),
  ];
  return {
    status: 'confirmed',
    count: assigned.length,
    classes: [...classes.values()],
    records: assigned.map((r) => ({ itemId: r.itemId, archivalCode: r.archivalCode })),
    later,
    skipped,
    message: [`已确认归档${unitName}${year}年度 ${assigned.length} 件：`, ...lines, ...notes].join('\n'),
  };
}

/** 页数: PDF pages counted from the file (one when unreadable), one per other file. */
async function countPages(db: Db, blobs: BlobStore, itemIds: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < itemIds.length; i += 500) {
    const mats = await materialsOfItems(db, itemIds.slice(i, i + 500));
    for (const [itemId, list] of mats) {
      let n = 0;
      for (const m of list) {
        const isPdf = m.sniffedMime === 'application/pdf' && m.storageKey;
        const pdf = isPdf
          ? await withBlobFile(blobs, m.storageKey!, countPdfPages).catch(() => undefined)
          : undefined;
        n += pdf ?? 1;
      }
      out.set(itemId, n);
    }
  }
  return out;
}
