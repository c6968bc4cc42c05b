import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateUnitRecords } from '../../src/domain/units.js';
import { parseCsvRecords, parseUnitsCsv } from '../../src/domain/units-csv.js';
import { parseHouseholdsCsv } from '../../src/domain/units-households.js';
import { parsePeopleCsv } from '../../src/domain/units-people.js';
import { parseUnitsYaml } from '../../src/domain/units-yaml.js';
import { holdsShippedSample, SAMPLE_UNITS } from '../../src/domain/units-sample.js';

/** A Lark-shaped open_id (ou_ and 32 lowercase hex characters). */
const WANG = 'ou_7a1c0e3b5d2f4a6987c1b0e2d3f4a5b6';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('units import parsing', () => {
  it('parses CSV with quotes, CRLF, a BOM and blank lines, keeping line numbers', () => {
    const rows = parseCsvRecords('\uFEFFa,b\r\n"x, ""y""",2\r\n\r\n"multi\nline",3\n');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"', '2'] },
      { line: 4, fields: ['multi\nline', '3'] },
    ]);
  });

  it('reads the example CSV and YAML to the same records', () => {
    const csv = parseUnitsCsv(readFileSync('config/units.example.csv', 'utf8'), 'units.example.csv');
    const yaml = parseUnitsYaml(readFileSync('config/units.example.yaml', 'utf8'), 'units.example.yaml');
    const strip = (rs: typeof csv) =>
      rs.map(({ line: _line, ...r }) => r).sort((a, b) => a.code.localeCompare(b.code));
    expect(strip(yaml)).toEqual(strip(csv));
    // What `units import` refuses unless --sample is the shipped file itself.
    expect(strip(csv)).toEqual(strip(SAMPLE_UNITS.map((r) => ({ ...r, line: 0 }))));
    expect(holdsShippedSample(csv)).toBe(true);
    expect(holdsShippedSample(csv.filter((r) => r.code !== '530521001'))).toBe(false);
    expect(csv.find((r) => r.code === '530521100201')).toMatchObject({
      name: '城关村',
      kind: 'village',
      parentCode: '530521100',
      line: 4,
    });
  });

  it('accepts Chinese kind words and flat YAML with parent_code', () => {
    const recs = parseUnitsYaml(
      `- { code: A, name: 某县, kind: 县 }\n- { code: B, name: 某镇, kind: 镇, parent_code: A }\n`,
      'u.yaml',
    );
    expect(recs).toEqual([
      { code: 'A', name: '某县', kind: 'county', parentCode: null, line: 1 },
      { code: 'B', name: '某镇', kind: 'township', parentCode: 'A', line: 2 },
    ]);
  });

  it('names the line of a bad kind and of missing fields', () => {
    const msg = messageOf(() =>
      parseUnitsCsv('code,name,kind,parent_code\nA,某县,county,\nB,,city,A\n', 'u.csv'),
    );
    expect(msg).toContain('u.csv 第 3 行: 缺少名称');
    expect(msg).toContain('u.csv 第 3 行: 类型 "city" 不对');
  });

  it('requires the header columns', () => {
    expect(messageOf(() => parseUnitsCsv('code,name\nA,x\n', 'u.csv'))).toBe(
      'u.csv 第 1 行: 表头缺少列 kind',
    );
  });

  it('reports unknown parents, duplicates and cycles with their lines', () => {
    const recs = parseUnitsCsv(
      'code,name,kind,parent_code\nA,县,county,\nB,镇,township,Z\nA,县2,county,\nC,村,village,D\nD,村2,village,C\n',
      'u.csv',
    );
    const lines = messageOf(() => validateUnitRecords(recs, new Map(), 'u.csv')).split('\n');
    expect(lines).toEqual([
      'u.csv 第 4 行: 编码 A 重复（第 2 行已有）',
      'u.csv 第 3 行: 上级单位 Z 不存在（B 镇）',
      'u.csv 第 5 行: 上下级形成循环: C → D → C',
      'u.csv 第 6 行: 上下级形成循环: D → C → D',
    ]);
  });

  it('refuses unit codes that are not letters, digits, _ or - (1–32), naming the line', () => {
    const recs = parseUnitsCsv(
      `code,name,kind,parent_code\n530521,县,county,\nT 1,镇,township,530521\nV/1,村,village,530521\n` +
        `ok_-9,村,village,530521\n东村,村,village,530521\n${'A'.repeat(33)},村,village,530521\n`,
      'u.csv',
    );
    const lines = messageOf(() => validateUnitRecords(recs, new Map(), 'u.csv')).split('\n');
    expect(lines).toEqual([
      'u.csv 第 3 行: 编码 "T 1" 不合规（只能用字母、数字、_ 和 -，1–32 位）',
      'u.csv 第 4 行: 编码 "V/1" 不合规（只能用字母、数字、_ 和 -，1–32 位）',
      'u.csv 第 6 行: 编码 "东村" 不合规（只能用字母、数字、_ 和 -，1–32 位）',
      `u.csv 第 7 行: 编码 "${'A'.repeat(33)}" 不合规（只能用字母、数字、_ 和 -，1–32 位）`,
    ]);
  });

  it('detects a cycle through stored units and orders parents first', () => {
    const stored = new Map<string, string | null>([
      ['X', null],
      ['T', 'X'],
    ]);
    // Moving X under T (T is under X) would loop.
    expect(
      messageOf(() =>
        validateUnitRecords(
          [{ code: 'X', name: '县', kind: 'county', parentCode: 'T', line: 2 }],
          stored,
          'f',
        ),
      ),
    ).toBe('f 第 2 行: 上下级形成循环: X → T → X');
    const ordered = validateUnitRecords(
      [
        { code: 'V', name: '村', kind: 'village', parentCode: 'N', line: 2 },
        { code: 'N', name: '镇', kind: 'township', parentCode: 'X', line: 3 },
      ],
      stored,
      'f',
    );
    expect(ordered.map((r) => r.code)).toEqual(['N', 'V']);
  });

  it('parses people and households CSVs', () => {
    expect(parsePeopleCsv(`open_id,name,unit_code,role\n${WANG},王,V1,村干部\n`, 'p.csv')).toEqual([
      { openId: WANG, name: '王', unitCode: 'V1', role: 'officer', line: 2 },
    ]);
    expect(
      messageOf(() => parsePeopleCsv(`open_id,name,unit_code,role\n${WANG},王,V1,boss\n`, 'p.csv')),
    ).toContain('p.csv 第 2 行: 角色 "boss" 不对');
    expect(
      messageOf(() => parsePeopleCsv('open_id,name,unit_code,role\nou_typo,王,V1,村干部\n', 'p.csv')),
    ).toBe(
      'p.csv 第 2 行: open_id "ou_typo" 不对，飞书的 open_id 是 ou_ 加三十来位数字和小写字母（请从飞书复制完整），或不填 open_id 改填手机号',
    );
    // Lark does not document the shape; the ids in its own documentation have 31 and 35 characters.
    for (const docId of ['ou_7d8a6e6df7621556ce0d21922b676706ccs', 'ou_84aad35d084aa403a838cf73ee18467'])
      expect(parsePeopleCsv(`open_id,name,unit_code,role\n${docId},王,V1,村干部\n`, 'p.csv')).toHaveLength(1);
    expect(parseHouseholdsCsv('village_code,code,head_name\nV1,07,张三\n', 'h.csv')).toEqual([
      { villageCode: 'V1', code: '07', headName: '张三', groupName: null, line: 2 },
    ]);
    expect(
      messageOf(() => parseHouseholdsCsv('village_code,code,head_name\nV1,07,张三\nV1,07,李四\n', 'h.csv')),
    ).toBe('h.csv 第 3 行: 户编号 07 重复（第 2 行已有）');
  });
});
