import { DomainError } from '../errors.js';
import { excelNumberHint } from './excel-number.js';

export type UnitKind = 'county' | 'township' | 'village' | 'department';
export const UNIT_KINDS: readonly UnitKind[] = ['county', 'township', 'village', 'department'];

const KIND_BY_WORD: Record<string, UnitKind> = {
  county: 'county',
  县: 'county',
  区: 'county',
  township: 'township',
  乡: 'township',
  镇: 'township',
  乡镇: 'township',
  街道: 'township',
  village: 'village',
  村: 'village',
  社区: 'village',
  department: 'department',
  部门: 'department',
};

/** `village`, `村`, `Village` → 'village'; unknown words → undefined. */
export function parseUnitKind(word: string): UnitKind | undefined {
  const w = word.trim();
  return KIND_BY_WORD[w] ?? KIND_BY_WORD[w.toLowerCase()];
}

export const UNIT_KIND_HINT = 'county、township、village 或 department（县、乡镇、村、部门）';

/** Unit codes end up in 档号 prefixes, file and folder names: letters, digits, `_` and `-` only. */
export const UNIT_CODE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** One unit as read from an import file; `line` is where it was written (for error messages). */
export interface UnitRecord {
  code: string;
  name: string;
  kind: UnitKind;
  parentCode: string | null;
  line: number;
}

/**
 * Checks an import against itself and the units already stored (code → parent code): unsafe or
 * duplicate codes, unknown parents and cycles are reported together, each naming its line. Returns the
 * records ordered parents first, ready to upsert.
 */
export function validateUnitRecords(
  records: UnitRecord[],
  existing: ReadonlyMap<string, string | null>,
  fileName: string,
): UnitRecord[] {
  const errors: string[] = [];
  const byCode = new Map<string, UnitRecord>();
  for (const r of records) {
    if (!UNIT_CODE_PATTERN.test(r.code))
      errors.push(
        `${fileName} 第 ${r.line} 行: 编码 "${r.code}" 不合规（只能用字母、数字、_ 和 -，1–32 位）${excelNumberHint(r.code, { workbook: false })}`,
      );
    const first = byCode.get(r.code);
    if (first) errors.push(`${fileName} 第 ${r.line} 行: 编码 ${r.code} 重复（第 ${first.line} 行已有）`);
    else byCode.set(r.code, r);
  }
  const parentOf = new Map(existing);
  for (const r of byCode.values()) parentOf.set(r.code, r.parentCode);
  for (const r of byCode.values()) {
    if (r.parentCode === null) continue;
    if (!parentOf.has(r.parentCode)) {
      errors.push(
        `${fileName} 第 ${r.line} 行: 上级单位 ${r.parentCode} 不存在（${r.code} ${r.name}）${excelNumberHint(r.parentCode, { workbook: false })}`,
      );
      continue;
    }
    const chain = [r.code];
    for (let p: string | null | undefined = r.parentCode; p != null; p = parentOf.get(p)) {
      if (p === r.code) {
        errors.push(`${fileName} 第 ${r.line} 行: 上下级形成循环: ${[...chain, p].join(' → ')}`);
        break;
      }
      if (chain.includes(p)) break; // a cycle elsewhere; reported on its own line
      chain.push(p);
    }
  }
  if (errors.length > 0) throw new DomainError('units_invalid', errors.join('\n'));
  return orderParentsFirst([...byCode.values()]);
}

function orderParentsFirst(records: UnitRecord[]): UnitRecord[] {
  const byCode = new Map(records.map((r) => [r.code, r]));
  const out: UnitRecord[] = [];
  const done = new Set<string>();
  const visit = (r: UnitRecord) => {
    if (done.has(r.code)) return;
    done.add(r.code);
    const parent = r.parentCode ? byCode.get(r.parentCode) : undefined;
    if (parent) visit(parent);
    out.push(r);
  };
  records.forEach(visit);
  return out;
}
