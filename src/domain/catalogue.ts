/**
 * 归档文件目录 (DA/T 22-2015): 序号, 档号, 文号, 责任者, 题名, 日期 (YYYYMMDD), 密级, 页数, 备注.
 * Defaults come from the task, the unit and the materials; what a person entered wins. 责任者 is the
 * unit that made the record (its official name), never the officer who forwarded it. Titles the
 * bot or an officer made up (not the document's own) go in square brackets, photo groups' composed
 * 题名 included; a 题名 typed into the description is used as written.
 */
import type { ItemKind } from './archival-code.js';
import { isoDate, yyyymmdd } from './catalogue-date.js';
import { issuerOf } from './doc-issuer.js';
import { describePhotoGroup, type PhotoDescription } from './photo-description.js';

/** Widths in Excel character units: together 135, the printable width of A4 landscape at 100%. */
export const CATALOGUE_COLUMNS = [
  { key: 'seq', header: '序号', width: 5 },
  { key: 'archivalCode', header: '档号', width: 24 },
  { key: 'docNumber', header: '文号', width: 14 },
  { key: 'responsible', header: '责任者', width: 14 },
  { key: 'title', header: '题名', width: 44 },
  { key: 'date', header: '日期', width: 10 },
  { key: 'secrecy', header: '密级', width: 5 },
  { key: 'pages', header: '页数', width: 5 },
  { key: 'remarks', header: '备注', width: 14 },
] as const;

/** 照片目录 of a photo class (DA/T 50): one row per photo; widths again sum to 135. */
export const PHOTO_CATALOGUE_COLUMNS = [
  { key: 'seq', header: '序号', width: 5 },
  { key: 'photoNumber', header: '照片号', width: 26 },
  { key: 'note', header: '说明', width: 42 },
  { key: 'date', header: '时间', width: 10 },
  { key: 'photographer', header: '摄影者', width: 10 },
  { key: 'background', header: '背景', width: 14 },
  { key: 'seeAlso', header: '参见号', width: 28 },
] as const;

export interface CatalogueRow {
  seq: number;
  archivalCode: string;
  docNumber: string;
  responsible: string;
  title: string;
  date: string;
  secrecy: string;
  pages: number | null;
  remarks: string;
}

export interface CatalogueMaterialFacts {
  kind: string;
  originalName: string | null;
  sentAt: Date;
  takenAt: Date | null;
  gpsLat: number | null;
  gpsLng: number | null;
}

/** item_descriptions: null = use the default. */
export interface GivenDescription {
  docNumber?: string | null;
  responsible?: string | null;
  title?: string | null;
  date?: string | null;
  secrecy?: string | null;
  pages?: number | null;
  remarks?: string | null;
  reason?: string | null;
  place?: string | null;
  people?: string | null;
  photographer?: string | null;
  background?: string | null;
}

export interface CatalogueItemFacts {
  kind: ItemKind;
  itemTitle: string;
  taskTitle: string;
  householdName: string | null;
  unitName: string;
  /** 责任者 by default: the unit's official name (the sender is a photo's 摄影者, not its 责任者). */
  unitOfficialName?: string;
  senderName: string | null;
  materials: CatalogueMaterialFacts[];
  description: GivenDescription | null;
  /** Pages counted at confirmation. */
  recordPages: number | null;
}

export type CatalogueEntry = Omit<CatalogueRow, 'seq' | 'archivalCode'> & { photo?: PhotoDescription };

const GENERIC_NAME =
  /^(新建|未命名|扫描|微信图片|微信截图|截图|屏幕截图|mmexport|img|dsc|screenshot|image|file|scan|doc)/i;
const DOC_NUMBER = /[\u4e00-\u9fa5A-Za-z]{1,16}[〔［[(（]\d{4}[〕］\])）]\d{1,5}号/;

/** The default 题名 a filing gets without a caption (mirrors filingTitle). */
export const taskDefaultTitle = (f: Pick<CatalogueItemFacts, 'taskTitle' | 'householdName'>) =>
  f.householdName ? `${f.householdName}户 ${f.taskTitle}` : f.taskTitle;

export const bracketTitle = (t: string) => (/^\[.*\]$/.test(t) ? t : `[${t}]`);

/** A document's own title, from a meaningful file name (`关于…的通知.pdf`), if it has one. */
export function ownTitleOf(materials: CatalogueMaterialFacts[]): string | undefined {
  const docs = materials.filter((m) => m.kind === 'document' && m.originalName);
  if (docs.length !== 1) return undefined;
  const base = docs[0]!.originalName!.replace(/\.[A-Za-z0-9]{1,5}$/, '').trim();
  if (GENERIC_NAME.test(base) || !/[\u4e00-\u9fff]{4,}/.test(base)) return undefined;
  return base;
}

/**
 * Words that run into a 文号 in a caption or file name (根据县扶办发〔2025〕3号, 关于转发县政发…): a verb or
 * preposition, never part of the 机关代字. Two characters or more, so no single character of an
 * agency's own code (数据局 → 数据发) is taken for one.
 */
const LEAD =
  /^.*(?:根据|按照|依据|依照|遵照|参照|对照|关于|转发|印发|贯彻|落实|执行|学习|传达|结合|响应|回复|答复|报送|收到|详见)(?=[\u4e00-\u9fa5A-Za-z])/u;

/** A 文号 (机关代字〔年份〕序号号) written in the texts, the first found, without words run into it. */
export function detectDocNumber(...texts: (string | null | undefined)[]): string {
  for (const t of texts) {
    const m = t ? DOC_NUMBER.exec(t.normalize('NFC')) : null;
    if (m) return m[0].replace(LEAD, '');
  }
  return '';
}

export function buildCatalogueEntry(
  f: CatalogueItemFacts,
  opts: { timeZone: string; secrecyDefault: string; issuers?: Readonly<Record<string, string>> },
): CatalogueEntry {
  const d = f.description ?? {};
  const sentFirst = [...f.materials].sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime())[0];
  const given = (v: string | null | undefined) => (v && v.trim() ? v.trim() : undefined);
  let title: string;
  let date = sentFirst ? yyyymmdd(sentFirst.sentAt, opts.timeZone) : '';
  let photo: PhotoDescription | undefined;
  if (f.kind === 'photo_group') {
    const reasonFromCaption = f.itemTitle !== taskDefaultTitle(f);
    photo = describePhotoGroup(
      f.materials,
      d,
      { reason: f.itemTitle, reasonFromCaption, place: f.unitName, photographer: f.senderName },
      opts.timeZone,
    );
    // Composed by the bot from 事由/时间/地点/人物: a self-made title, bracketed like a document's.
    title = bracketTitle(photo.title);
    date = photo.date;
  } else {
    const own = f.kind === 'document' ? ownTitleOf(f.materials) : undefined;
    title = own ?? bracketTitle(f.itemTitle);
  }
  const photos = f.materials.filter((m) => m.kind === 'photo').length;
  const autoRemarks = f.kind === 'photo_group' ? `照片${photos}张` : '';
  // '' entered: the document has no 文号 (not one read out of its caption or file name).
  const docNumber =
    d.docNumber === ''
      ? ''
      : (given(d.docNumber) ?? detectDocNumber(f.itemTitle, ...f.materials.map((m) => m.originalName)));
  // A received document's 责任者 is the body its 文号 names (档发〔2016〕13号: 国家档案局), when known.
  const issuer = f.kind === 'document' ? issuerOf(docNumber, opts.issuers) : undefined;
  return {
    docNumber,
    responsible: given(d.responsible) ?? issuer ?? (f.unitOfficialName?.trim() || f.unitName),
    title: given(d.title) ?? title,
    date: given(d.date) ?? date,
    secrecy: given(d.secrecy) ?? opts.secrecyDefault,
    pages: d.pages ?? f.recordPages ?? f.materials.length,
    remarks: given(d.remarks) ?? autoRemarks,
    ...(photo ? { photo } : {}),
  };
}

/** The reason a 档号 is withdrawn with when the 件's files were all recalled (撤回) by their sender. */
export const RECALLED_REASON = '材料已撤回';

/**
 * 备注 of a retired number: the row stays in the catalogue so 件号 remain continuous. One the bot
 * withdrew because the 件's files were all recalled says so (the receiving archive reads why the
 * number has no file); an archivist's own reason for 撤销确认 is theirs and is not printed.
 */
export function withdrawnRemarks(
  at: Date,
  timeZone: string,
  newCode?: string | null,
  reason?: string | null,
): string {
  const why = reason === RECALLED_REASON ? `${RECALLED_REASON}，` : '';
  return `件号停用：${isoDate(at, timeZone)}，${why}撤销归档确认${newCode ? `，现档号${newCode}` : ''}`;
}
