import type { Db } from '../db/client.js';
import { madePackagesOfRecord, packagesHoldingRecord } from '../db/repos/transfer-packages.js';
import { plainDate } from '../domain/plain-date.js';
import { changedAfterTransfer, madeNotHandedWarning, transfersPath } from '../domain/transfer-changes.js';
import { DESCRIPTION_FIELD_WORDS } from '../domain/record-edit.js';
import type { AuditEntry } from '../db/repos/audit.js';
import { insertArchiveAudit, lockItemLiveRecord } from '../db/repos/archive-records.js';
import {
  getDescription,
  listPhotoGroups,
  photoMaterialOf,
  upsertDescription,
  upsertPhotoNote,
  type DescriptionFields,
  type DescriptionRow,
} from '../db/repos/archive-descriptions.js';
import { getFilingItem, sentFileOfItem } from '../db/repos/filings.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getTaskContext } from '../db/repos/tasks.js';
import { isYyyymmdd, yyyymmdd } from '../domain/catalogue-date.js';
import { drawnMark } from '../domain/drawn-field.js';
import { fieldRangeProblems } from '../domain/four-properties-rules.js';
import { photoGroupGaps } from '../domain/photo-description-gaps.js';
import { GAP_LABELS, type DescriptionGap } from '../domain/photo-description.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import { closeApprovedRequest } from './correction-follow-up.js';
import { taskLabel, taskRef } from './file-burst.js';

export interface DescribeItemInput extends DescriptionFields {
  itemId: number;
  /**
   * One photo of a group (its 张号, from 1): `note` (its own 说明) and `background` then describe
   * that photo, not the group.
   */
  photo?: number;
  note?: string | null;
  actor: string;
  /** Where it came from, for the audit trail (`page`: the item page's 更正著录 form). */
  source?: AuditEntry['source'];
  /**
   * The approved 申请更正 this 著录 carries out: made from that request's correction card (its 更正著录),
   * or on the item page opened from that card (its `?r=`). Without it no request is closed (a 页数 fixed
   * on the page is not what an officer asked for).
   */
  requestId?: number;
  /**
   * The item page's form: for each field it gives, the mark (drawnMark; '' for a blank) of the value
   * the form was drawn with. A given field whose value (as shownField) is no longer that — someone
   * saved it since, or a refile renamed the 题名 — refuses the whole save (`changedMeanwhile`), checked
   * under the item's row lock, so a form drawn before never overwrites what was saved after it.
   */
  drawn?: Partial<Record<keyof DescriptionFields, string>>;
  /**
   * `others`: a field changed meanwhile (as `drawn` tells) is left as it is now and the other fields
   * given are saved (the correction card's form, which cannot keep what was typed); the outcome names
   * the fields left (`changedMeanwhile`). Refused only when every field given was changed meanwhile.
   */
  save?: 'all-or-nothing' | 'others';
}

export type DescribeItemOutcome =
  | {
      status: 'described';
      itemId: number;
      gaps: DescriptionGap[];
      message: string;
      /** Given but changed by someone else since drawn, so left as it is now (`save: 'others'`). */
      changedMeanwhile?: (keyof DescriptionFields)[];
      /** The 件 went out in a 移交包: this change is a 移交后变更 (said at the end of `message`). */
      transferred?: string;
      /** The approved 申请更正 it carried out (`requestId`, still owed): closed, its requester told. */
      closedRequest?: number;
    }
  | { status: 'refused'; message: string; changedMeanwhile?: (keyof DescriptionFields)[] };

/**
 * A catalogue field as the item page shows it to be corrected: '' when none; the 题名 the item goes by
 * (its filing title) when none was described.
 */
export function shownField(key: string, described: unknown, itemTitle: string): string {
  if (key === 'title' && (described == null || described === '')) return itemTitle;
  return described == null ? '' : String(described);
}

const MAX_TEXT = 200;

/**
 * Records an item's description (著录): DA/T 50 事由 / 地点 / 人物 for photo groups (the
 * `describe-item` card form), or any 2015 catalogue field. A field not given is left as it was; one
 * given blank is cleared (the card's form sends one only for a field it was drawn with filled and the
 * officer emptied: describe-item-action.ts, fieldChange), except
 * a 文号 given blank: the document has none. (The item page sends only what its user changed from what
 * its form was drawn with, with those values' marks, `drawn`; never a blank but a 文号.)
 * Allowed for the filer, a sender of its files and the unit's officers, archivists and admins; once it holds a live
 * 档号, only for archivists and admins (checked under the item's row lock). Audited; an archivist's
 * made from an approved 申请更正's card (`requestId`) closes it (closeApprovedRequest), no other does.
 */
export async function describeItem(
  /** `timeZone`, `pageUrl`: the day and the 移交包 page a 移交后变更 is told with (China's, none, when not given). */
  deps: { db: Db; clock: Clock; timeZone?: string; pageUrl?: (path: string) => string | undefined },
  input: DescribeItemInput,
): Promise<DescribeItemOutcome> {
  const { db } = deps;
  const item = await getFilingItem(db, input.itemId);
  if (!item || item.undoneAt) throw new DomainError('item_not_found', '找不到这条提交记录（可能已撤销）');
  const task = (await getTaskContext(db, item.taskId))!;
  const source = input.source ?? 'card';
  const right = source === 'cli' ? 'archivist' : await describeRight(db, item, task.unitPath, input.actor);
  if (!right) return { status: 'refused', message: '只有发这些材料的人、提交人或本单位工作人员可以填写说明' };
  const archivist = right === 'archivist';

  const photo = input.photo === undefined ? undefined : await photoOf(db, item, input.photo);
  const note = cleanText(input.note);
  const fields = cleanFields(
    photo ? { itemId: item.id, actor: input.actor, background: input.background } : input,
  );
  // Nothing given, or only blanks where nothing was recorded yet: nothing to save.
  const given = Object.values(fields).some((v) => v !== null);
  if (!given && !(photo && note) && (photo || !(await hasDescriptionToClear(db, item.id, fields))))
    throw new DomainError('nothing_to_describe', '请至少填写一项');
  const now = deps.clock.now();
  refuseWhatTheCheckWould(fields, now);
  // A 著录 of a 件 a 移交包 carried: a 移交后变更 (著录已改), said with the answer.
  let transferred: string | undefined;
  let closedRequest: number | undefined;
  const refused = await db.transaction(async (tx) => {
    const record = await lockItemLiveRecord(tx, item.id);
    if (record && !archivist) return { confirmedAs: record.archivalCode };
    const [carried] = record ? await packagesHoldingRecord(tx, record.id) : [];
    if (record && carried)
      transferred = changedAfterTransfer(
        plainDate(carried.handedAt, now, deps.timeZone ?? 'Asia/Shanghai'),
        record.archivalCode,
        '著录',
        deps.pageUrl?.(transfersPath(task.unitId)),
      );
    // A package only made carries it: handed over perhaps, the handover not recorded (said first: a
    // link ends the other).
    const made = record ? await madePackagesOfRecord(tx, record.id) : [];
    if (made.length > 0) transferred = [madeNotHandedWarning(made), transferred].filter(Boolean).join('。');
    const changedMeanwhile = input.drawn ? await changedSinceDrawn(tx, item.id, input.drawn) : [];
    if (changedMeanwhile.length > 0) {
      if (input.save !== 'others') return { changedMeanwhile };
      for (const k of changedMeanwhile) delete fields[k];
      if (Object.keys(fields).length === 0) return { changedMeanwhile };
    }
    if (photo)
      await upsertPhotoNote(
        tx,
        { itemId: item.id, materialId: photo.materialId },
        { note, background: fields.background ?? undefined },
        input.actor,
        now,
      );
    else await upsertDescription(tx, item.id, fields, input.actor, now);
    await insertArchiveAudit(tx, [
      {
        at: now,
        actor: input.actor,
        action: 'describe',
        source,
        unitId: task.unitId,
        taskId: task.id,
        itemId: item.id,
        details: photo
          ? { photo: photo.number, fields: { ...fields, ...(note ? { note } : {}) } }
          : { fields },
      },
    ]);
    // An archivist's 著录 from a request's card carries that request out (an officer's own does not).
    const closed =
      archivist && input.requestId !== undefined
        ? await closeApprovedRequest(tx, {
            itemId: item.id,
            requestId: input.requestId,
            actor: input.actor,
            source,
            unitId: task.unitId,
            taskId: task.id,
            label: `${task.unitName}${taskLabel(taskRef(task))}`,
            done: photo ? `已更正第 ${photo.number} 张照片的说明` : `已更正著录（${changedText(fields)}）`,
            now,
          })
        : undefined;
    closedRequest = closed?.requestId;
    return changedMeanwhile.length > 0 ? { saved: changedMeanwhile } : undefined;
  });
  const left = refused && 'saved' in refused ? refused.saved : undefined;
  if (refused && 'confirmedAs' in refused)
    return {
      status: 'refused',
      message: `该件已确认归档（档号 ${refused.confirmedAs}），只有档案员可以修改说明`,
    };
  if (refused && !left)
    return {
      status: 'refused',
      message: '著录在表单打开后已被他人修改，没有保存',
      changedMeanwhile: refused.changedMeanwhile,
    };
  const [group] = item.kind === 'photo_group' ? await listPhotoGroups(db, { itemId: item.id }) : [];
  const gaps = group ? photoGroupGaps(group) : [];
  return {
    status: 'described',
    itemId: item.id,
    gaps,
    message:
      (gaps.length > 0 ? `已保存说明；还缺：${gaps.map((g) => GAP_LABELS[g]).join('、')}` : '已保存说明') +
      (transferred ? `。${transferred}` : ''),
    ...(transferred ? { transferred } : {}),
    ...(left ? { changedMeanwhile: left } : {}),
    ...(closedRequest !== undefined ? { closedRequest } : {}),
  };
}

/**
 * Who may describe an item: `archivist` (the unit's archivists and admins, or above it: also once its
 * 档号 is live), `until-confirmed` (its filer, a sender of its files and the unit's officers: until then),
 * or nobody. The item
 * page asks it too, to offer its 更正著录 form only to whom describeItem would not refuse.
 */
export async function describeRight(
  db: Db,
  item: { id: number; filedBy: string },
  unitPath: string,
  actor: string,
): Promise<'archivist' | 'until-confirmed' | undefined> {
  if (await hasUnitRole(db, actor, { path: unitPath }, ['archivist', 'admin'])) return 'archivist';
  if (actor === item.filedBy || (await hasUnitRole(db, actor, { path: unitPath }, ['officer'])))
    return 'until-confirmed';
  // Whoever sent the photos (a group member with no role: a colleague tapped the card for them) knows
  // the 事由, 地点 and 人物 best; refusing them left the 说明 to someone who was not there.
  if (await sentFileOfItem(db, item.id, actor)) return 'until-confirmed';
  return undefined;
}

/**
 * What the 四性 check refuses in a package (a 文号 not shaped 机关代字〔年份〕序号号, a 涉密 密级, a date
 * before 1949-10-01 or in the future, a field too long) is refused as it is typed, naming the value,
 * not found at the export. No time zone here: no place's today is later than UTC+14's.
 */
function refuseWhatTheCheckWould(fields: DescriptionFields, now: Date): void {
  const problems = fieldRangeProblems(
    {
      title: fields.title ?? '',
      responsible: fields.responsible ?? '',
      date: fields.date ?? '',
      pages: fields.pages ?? null,
      docNumber: fields.docNumber ?? '',
      secrecy: fields.secrecy ?? '',
      remarks: fields.remarks ?? '',
    },
    yyyymmdd(now, 'Etc/GMT-14'),
  );
  if (problems.length > 0)
    throw new DomainError('field_out_of_range', `${problems.join('；')}。没有保存，请改正后再填`);
}

async function photoOf(
  db: Db,
  item: { id: number; kind: string },
  n: number,
): Promise<{ number: number; materialId: number }> {
  const materialId =
    item.kind === 'photo_group' && Number.isInteger(n) && n >= 1
      ? await photoMaterialOf(db, item.id, n)
      : undefined;
  if (materialId === 'recalled')
    throw new DomainError('photo_recalled', `第 ${n} 张照片已被撤回（张号空缺不补），不用填写说明`);
  if (materialId === undefined) throw new DomainError('photo_not_found', `这组照片没有第 ${n} 张`);
  return { number: n, materialId };
}

/** The fields whose value now (under the item's row lock) is not the one the form was drawn with. */
async function changedSinceDrawn(
  tx: Db,
  itemId: number,
  drawn: NonNullable<DescribeItemInput['drawn']>,
): Promise<(keyof DescriptionFields)[]> {
  const [described, item] = [await getDescription(tx, itemId), await getFilingItem(tx, itemId)];
  const keys = Object.keys(drawn) as (keyof DescriptionFields)[];
  return keys.filter((k) => {
    const now = shownField(k, described?.[k as keyof DescriptionRow], item!.title);
    return (drawnMark(now) ?? '') !== drawn[k];
  });
}

/** Whether a field given blank clears something recorded (else a form sent empty saves nothing). */
async function hasDescriptionToClear(db: Db, itemId: number, fields: DescriptionFields): Promise<boolean> {
  const d = await getDescription(db, itemId);
  return !!d && Object.keys(fields).some((k) => d[k as keyof typeof d] !== null);
}

/** The fields as archivists name them (shared with the 移交后变更 lists). */
const FIELD_WORDS: Partial<Record<keyof DescriptionFields, string>> = DESCRIPTION_FIELD_WORDS;

/** What a 著录 changed, as its requester reads it: 「题名改为「…」；文号清空（没有文号）」. */
function changedText(fields: DescriptionFields): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const word = FIELD_WORDS[k as keyof DescriptionFields] ?? k;
      if (v === null) return `${word}清空`;
      if (v === '') return `${word}清空（没有${word}）`;
      return `${word}改为「${String(v)}」`;
    })
    .join('；');
}

function cleanText(v: string | null | undefined): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.replace(/\s+/g, ' ').trim();
  if (!s) return undefined;
  if (s.length > MAX_TEXT) throw new DomainError('too_long', `内容太长（最多 ${MAX_TEXT} 字）`);
  return s;
}

function cleanFields(input: DescribeItemInput): DescriptionFields {
  const out: DescriptionFields = {};
  const texts = [
    'docNumber',
    'responsible',
    'title',
    'secrecy',
    'remarks',
    'reason',
    'place',
    'people',
    'photographer',
    'background',
  ] as const;
  for (const key of texts) {
    const s = cleanText(input[key]);
    if (s) out[key] = s;
    // Given blank (a field of the form emptied): cleared. A field not given stays as it was.
    else if (typeof input[key] === 'string') out[key] = null;
  }
  // A 文号 given as blank: the document has none (the catalogue prints none instead of one it would
  // read out of the caption or file name, which no other value could take back).
  if (typeof input.docNumber === 'string' && !input.docNumber.trim()) out.docNumber = '';
  if (typeof input.date === 'string' && input.date.trim()) {
    const d = input.date.trim().replace(/[-./年月日]/g, '');
    if (!isYyyymmdd(d)) throw new DomainError('bad_date', '日期请写成8位年月日，如 20250305');
    out.date = d;
  }
  if (input.pages !== undefined && input.pages !== null) {
    if (!Number.isInteger(input.pages) || input.pages < 1)
      throw new DomainError('bad_pages', '页数须为正整数');
    out.pages = input.pages;
  }
  return out;
}
