/**
 * One 归档文件目录 per lowest class (DA/T 22-2015): 全宗 + 门类 + 年度 + 保管期限 + 机构(问题), each
 * with its own cover (全宗号, 全宗名称, 年度, 保管期限, 机构(问题), 门类) and 序号 from 1, rows in 件号
 * order. This module names the catalogues of a package and says what their covers carry.
 */
import type { ArchivalCodeRules, ClassParts, ItemKind } from './archival-code.js';
import type { Retention } from './checklist.js';
import { RETENTION_ORDER } from './retention.js';

export const KIND_LABELS: Record<ItemKind, string> = {
  document: '文书',
  photo_group: '照片',
  audio: '录音',
  video: '录像',
};

/** 保管期限 as catalogues print it. */
export const RETENTION_PERIOD_NAMES: Record<Retention, string> = {
  Y: '永久',
  D30: '定期30年',
  D10: '定期10年',
};

const UNIT_KIND_NAMES: Record<string, string> = {
  county: '县级',
  township: '乡镇级',
  village: '村级',
  department: '部门',
};

/** A class of the package with its counts (from the database). */
export interface ClassCounts extends ClassParts {
  classKey: string;
  /** 档号 of the class in the package, live and withdrawn (= rows of its catalogue). */
  records: number;
  /** Withdrawn (停用) numbers among them. */
  withdrawn: number;
  firstPiece: number;
  lastPiece: number;
}

/** What one catalogue's cover says, and where the catalogue goes. */
export interface CatalogueClass extends ClassCounts {
  /** 目录 (类别代码): the class part of its 档号 without the 全宗号, e.g. `WS·2025-D30-ZH`. */
  code: string;
  /** 全宗名称 of its 全宗号 ('' when unknown). */
  fondsName: string;
  /** Worksheet name in the Excel catalogue (unique, within Excel's rules). */
  sheetName: string;
  /** Photo classes: the worksheet of their 照片目录 (one row per photo). */
  photoSheetName?: string;
  categoryName: string;
  retentionName: string;
  /** 机构(问题) name when the configuration names the code; '' otherwise or without 机构(问题). */
  orgName: string;
  /** Live items (件数). */
  items: number;
  /** 起止件号, e.g. `0001-0004` (`0001` for one). */
  pieceRange: string;
  /** Units outside the package that number in this class too: its other 档号 are in their packages. */
  sharedWith?: { units: string; records: number };
}

/**
 * 情况说明 of a catalogue on the 备考表: its 件数, its 停用件号 kept in it, and, for a class numbered
 * together with units outside the package, that the 件号 missing here are in their packages (never
 * 「件号连续」 over a range with another unit's numbers in it).
 */
export function classNoteText(c: Pick<CatalogueClass, 'items' | 'withdrawn' | 'sharedWith'>): string {
  const withdrawn = c.withdrawn > 0 ? `；停用件号 ${c.withdrawn} 个，目录中保留并在备注中说明` : '';
  if (c.sharedWith)
    return (
      `本目录 ${c.items} 件${withdrawn}；件号与${c.sharedWith.units}共用、统一连续编号，` +
      `其余 ${c.sharedWith.records} 个件号在${c.sharedWith.units}的移交包中`
    );
  return c.withdrawn > 0 ? `本目录 ${c.items} 件${withdrawn}` : `本目录 ${c.items} 件，件号连续`;
}

/** The sheet holding the covers of all catalogues of a package. */
export const COVER_SHEET = '封面';
/** The last sheet: 备考表 (what the catalogues hold, who compiled and checked them). */
export const NOTES_SHEET = '备考表';

/**
 * The catalogues of a package, in the order given. Their codes leave out the 全宗号 unless the
 * package spans several fonds (then two classes could otherwise share a code).
 */
export function catalogueClassesOf(
  classes: ClassCounts[],
  rules: ArchivalCodeRules,
  fondsNameOf: (code: string) => string = () => '',
): CatalogueClass[] {
  const manyFonds = new Set(classes.map((c) => c.fondsCode)).size > 1;
  const sheets = new Set([COVER_SHEET.toLowerCase(), NOTES_SHEET.toLowerCase()]);
  return classes.map((c) => {
    const head = `${c.categoryCode}${rules.yearSeparator}${c.year}-${c.retentionCode}`;
    const code = `${manyFonds ? `${c.fondsCode}-` : ''}${head}${c.orgCode ? `-${c.orgCode}` : ''}`;
    const pad = (n: number) => String(n).padStart(rules.pieceDigits, '0');
    return {
      ...c,
      code,
      fondsName: fondsNameOf(c.fondsCode),
      sheetName: excelSheetName(code, sheets),
      ...(c.categoryCode === rules.category.photo_group
        ? { photoSheetName: excelSheetName(`${code} 照片目录`, sheets) }
        : {}),
      categoryName: categoryNameOf(c.categoryCode, rules),
      retentionName: retentionNameOf(c.retentionCode, rules),
      orgName: c.orgCode ? orgNameOf(c.orgCode, rules) : '',
      items: c.records - c.withdrawn,
      pieceRange:
        c.firstPiece === c.lastPiece ? pad(c.firstPiece) : `${pad(c.firstPiece)}-${pad(c.lastPiece)}`,
    };
  });
}

/** `定期30年（D30）`: the name and the code. */
export const retentionText = (c: Pick<CatalogueClass, 'retentionName' | 'retentionCode'>) =>
  c.retentionName ? `${c.retentionName}（${c.retentionCode}）` : c.retentionCode;

/** `综合类（ZH）`, `ZH` when unnamed, '' for classes without 机构(问题). */
export const orgText = (c: Pick<CatalogueClass, 'orgName' | 'orgCode'>) =>
  c.orgCode && c.orgName ? `${c.orgName}（${c.orgCode}）` : c.orgCode;

function categoryNameOf(code: string, rules: ArchivalCodeRules): string {
  const kind = (Object.keys(rules.category) as ItemKind[]).find((k) => rules.category[k] === code);
  return kind ? KIND_LABELS[kind] : code;
}

function retentionNameOf(code: string, rules: ArchivalCodeRules): string {
  const r = RETENTION_ORDER.find((x) => rules.retention[x] === code);
  return r ? RETENTION_PERIOD_NAMES[r] : '';
}

/** The configured meaning of a 机构(问题) code: task classes first, then unit levels, then 其他. */
function orgNameOf(code: string, rules: ArchivalCodeRules): string {
  const byClass = Object.entries(rules.orgCode.byClass).filter(([, v]) => v === code);
  if (byClass.length > 0) return byClass.map(([k]) => k).join('、');
  const byKind = Object.entries(rules.orgCode.byUnitKind).filter(([, v]) => v === code);
  if (byKind.length > 0) return byKind.map(([k]) => UNIT_KIND_NAMES[k] ?? k).join('、');
  return code === rules.orgCode.default ? '其他' : '';
}

/**
 * A worksheet name within Excel's rules: 1-31 characters, none of []:*?/\, no apostrophe at
 * either end (we drop apostrophes altogether: print titles quote the name), not `History`,
 * unique regardless of case among `taken` (which it joins).
 */
export function excelSheetName(wanted: string, taken: Set<string>): string {
  const chars = (s: string) => Array.from(s);
  let base = wanted.replace(/[[\]:*?/\\']/g, '_').trim() || 'Sheet';
  if (base.toLowerCase() === 'history') base = `${base}_`;
  base = chars(base).slice(0, 31).join('');
  let name = base;
  for (let n = 2; taken.has(name.toLowerCase()); n++) {
    const suffix = `(${n})`;
    name = chars(base)
      .slice(0, 31 - suffix.length)
      .join('')
      .concat(suffix);
  }
  taken.add(name.toLowerCase());
  return name;
}
