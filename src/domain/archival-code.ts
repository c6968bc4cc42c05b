/**
 * 档号 (DA/T 22-2015): 全宗号-门类代码·年度-保管期限代码-机构(问题)代码-件号, e.g.
 * `A182-WS·2022-Y-ZH-0001`. Photos, audio and video are classified by 年度 + 保管期限 only, so by
 * default they drop the 机构(问题) part: `A182-ZP·2022-Y-0001`. 件号 runs from 1 within the lowest
 * class and is never reused.
 */
import type { Retention } from './checklist.js';

export type ItemKind = 'document' | 'photo_group' | 'audio' | 'video';

/** The deployment's numbering rules (config/archive.yaml, validated in src/archive/archive-config.ts). */
export interface ArchivalCodeRules {
  fonds: { code: string; byUnit: Record<string, string> };
  /** 门类代码 per item kind. */
  category: Record<ItemKind, string>;
  /** 保管期限代码 per task retention. */
  retention: Record<Retention, string>;
  orgCode: {
    byClass: Record<string, string>;
    byUnitKind: Record<string, string>;
    default: string;
    /** Item kinds whose 档号 has no 机构(问题) part. */
    omitFor: ItemKind[];
  };
  pieceDigits: number;
  /** Between 门类代码 and 年度 (DA/T 22 uses the middle dot). */
  yearSeparator: string;
}

/** What decides an item's class. `unitCodes` are the item's unit and its ancestors, nearest first. */
export interface ItemClassFacts {
  kind: ItemKind;
  year: number;
  retention: Retention;
  taskClass: string;
  unitKind: string;
  unitCodes: string[];
}

export interface ClassParts {
  fondsCode: string;
  categoryCode: string;
  year: number;
  retentionCode: string;
  orgCode: string;
}

export function classPartsOf(facts: ItemClassFacts, rules: ArchivalCodeRules): ClassParts {
  const fondsUnit = facts.unitCodes.find((c) => rules.fonds.byUnit[c] !== undefined);
  const omitOrg = rules.orgCode.omitFor.includes(facts.kind);
  return {
    fondsCode: fondsUnit ? rules.fonds.byUnit[fondsUnit]! : rules.fonds.code,
    categoryCode: rules.category[facts.kind],
    year: facts.year,
    retentionCode: rules.retention[facts.retention],
    orgCode: omitOrg
      ? ''
      : (rules.orgCode.byClass[facts.taskClass] ??
        rules.orgCode.byUnitKind[facts.unitKind] ??
        rules.orgCode.default),
  };
}

/** The counter key of the lowest class: 件号 are continuous within it. */
export function classKeyOf(p: ClassParts): string {
  return [p.fondsCode, p.categoryCode, p.year, p.retentionCode, p.orgCode].join('|');
}

/** The class part of a 档号 (everything before 件号), e.g. `A182-WS·2025-D30-ZH`. */
export function classCodeText(p: ClassParts, rules: Pick<ArchivalCodeRules, 'yearSeparator'>): string {
  const head = `${p.fondsCode}-${p.categoryCode}${rules.yearSeparator}${p.year}-${p.retentionCode}`;
  return p.orgCode ? `${head}-${p.orgCode}` : head;
}

export function formatArchivalCode(
  p: ClassParts,
  pieceNumber: number,
  rules: Pick<ArchivalCodeRules, 'pieceDigits' | 'yearSeparator'>,
): string {
  if (!Number.isInteger(pieceNumber) || pieceNumber < 1) throw new Error(`bad 件号 ${pieceNumber}`);
  return `${classCodeText(p, rules)}-${String(pieceNumber).padStart(rules.pieceDigits, '0')}`;
}

/** Splits a 档号 back into its parts (for checks and tests); undefined when it is not one. */
export function parseArchivalCode(
  code: string,
  rules: Pick<ArchivalCodeRules, 'yearSeparator'>,
): (ClassParts & { pieceNumber: number }) | undefined {
  const sep = rules.yearSeparator.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^([^-]+)-([^-]+?)${sep}(\\d{4})-([^-]+)(?:-([^-]+))?-(\\d+)$`).exec(code);
  if (!m) return undefined;
  return {
    fondsCode: m[1]!,
    categoryCode: m[2]!,
    year: Number(m[3]),
    retentionCode: m[4]!,
    orgCode: m[5] ?? '',
    pieceNumber: Number(m[6]),
  };
}

/** Range text for a reply: `A-0001 至 A-0007` or the single code. */
export function codeRangeText(codes: string[]): string {
  if (codes.length === 0) return '';
  if (codes.length === 1) return codes[0]!;
  return `${codes[0]} 至 ${codes[codes.length - 1]}`;
}
