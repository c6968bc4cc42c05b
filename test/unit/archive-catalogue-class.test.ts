import { describe, expect, it } from 'vitest';
import { parseArchiveConfig } from '../../src/archive/archive-config.js';
import {
  catalogueClassesOf,
  classNoteText,
  excelSheetName,
  type ClassCounts,
} from '../../src/domain/catalogue-class.js';

const rules = parseArchiveConfig({
  fonds: { code: 'A182', name: '某县人民政府办公室' },
  orgCode: { byClass: { 综合类: 'ZH', 精准识别类: 'SB' }, byUnitKind: { village: 'CW' }, default: 'QT' },
});
const cls = (o: Partial<ClassCounts> = {}): ClassCounts => ({
  classKey: 'k',
  fondsCode: 'A182',
  categoryCode: 'WS',
  year: 2025,
  retentionCode: 'D30',
  orgCode: 'ZH',
  records: 4,
  withdrawn: 1,
  firstPiece: 1,
  lastPiece: 4,
  ...o,
});

describe('归档文件目录 per class', () => {
  it('names each catalogue by its class code without the 全宗号, with the cover facts', () => {
    const [doc, photo] = catalogueClassesOf(
      [
        cls(),
        cls({ categoryCode: 'ZP', retentionCode: 'Y', orgCode: '', records: 1, withdrawn: 0, lastPiece: 1 }),
      ],
      rules,
    );
    expect(doc).toMatchObject({
      code: 'WS·2025-D30-ZH',
      sheetName: 'WS·2025-D30-ZH',
      categoryName: '文书',
      retentionName: '定期30年',
      orgName: '综合类',
      items: 3,
      pieceRange: '0001-0004',
    });
    expect(photo).toMatchObject({
      code: 'ZP·2025-Y',
      categoryName: '照片',
      retentionName: '永久',
      orgName: '',
      items: 1,
      pieceRange: '0001',
    });
  });

  it('names 机构(问题) codes from task classes, unit levels, or the default', () => {
    const names = catalogueClassesOf(
      ['SB', 'CW', 'QT', 'XX'].map((orgCode) => cls({ orgCode })),
      rules,
    ).map((c) => c.orgName);
    expect(names).toEqual(['精准识别类', '村级', '其他', '']);
  });

  it('keeps the 全宗号 in the codes when the package spans several fonds', () => {
    const codes = catalogueClassesOf([cls(), cls({ fondsCode: 'A183' })], rules).map((c) => [
      c.code,
      c.sheetName,
    ]);
    expect(codes).toEqual([
      ['A182-WS·2025-D30-ZH', 'A182-WS·2025-D30-ZH'],
      ['A183-WS·2025-D30-ZH', 'A183-WS·2025-D30-ZH'],
    ]);
  });

  it('keeps worksheet names within Excel rules and unique', () => {
    const taken = new Set(['封面']);
    expect(excelSheetName('a[b]:c*d?e/f\\g', taken)).toBe('a_b__c_d_e_f_g');
    expect(excelSheetName("'quoted'", taken)).toBe('_quoted_');
    expect(excelSheetName('History', taken)).toBe('History_');
    const long = 'ABCDEFGHIJKL-WSWSWSWSWSWS·2025-D30';
    const first = excelSheetName(long, taken);
    expect(first).toHaveLength(31);
    const second = excelSheetName(long, taken);
    expect(second).toHaveLength(31);
    expect(second.endsWith('(2)')).toBe(true);
    expect(excelSheetName('封面', taken)).toBe('封面(2)');
    expect(excelSheetName('ws·2025-y', new Set(['ws·2025-y']))).toBe('ws·2025-y(2)');
  });
});

describe('备考表 情况说明', () => {
  it('says 件号连续 only for a class the package holds whole', () => {
    expect(classNoteText({ items: 3, withdrawn: 0 })).toBe('本目录 3 件，件号连续');
    expect(classNoteText({ items: 3, withdrawn: 1 })).toBe(
      '本目录 3 件；停用件号 1 个，目录中保留并在备注中说明',
    );
    expect(classNoteText({ items: 1, withdrawn: 0, sharedWith: { units: '东村、西村', records: 3 } })).toBe(
      '本目录 1 件；件号与东村、西村共用、统一连续编号，其余 3 个件号在东村、西村的移交包中',
    );
  });
});
