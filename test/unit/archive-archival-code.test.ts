import { describe, expect, it } from 'vitest';
import { parseArchiveConfig } from '../../src/archive/archive-config.js';
import { loadArchiveConfig } from '../../src/archive/archive-config.js';
import {
  classKeyOf,
  classPartsOf,
  formatArchivalCode,
  parseArchivalCode,
} from '../../src/domain/archival-code.js';
import { looseArchivalCode, looseSpelling } from '../../src/domain/typed-archival-code.js';

const rules = parseArchiveConfig({
  fonds: { code: 'A182', byUnit: { T2: 'A190' } },
  orgCode: { byClass: { 综合类: 'ZH' }, byUnitKind: { village: 'CW' }, default: 'QT' },
});
const facts = {
  kind: 'document' as const,
  year: 2025,
  retention: 'Y' as const,
  taskClass: '综合类',
  unitKind: 'village',
  unitCodes: ['V1', 'T1', 'X'],
};

describe('档号 (DA/T 22-2015)', () => {
  it('formats 全宗号-门类代码·年度-保管期限-机构(问题)-件号 with a 4-digit 件号', () => {
    const parts = classPartsOf(facts, rules);
    expect(formatArchivalCode(parts, 1, rules)).toBe('A182-WS·2025-Y-ZH-0001');
    expect(formatArchivalCode(parts, 12345, rules)).toBe('A182-WS·2025-Y-ZH-12345');
    expect(classKeyOf(parts)).toBe('A182|WS|2025|Y|ZH');
    expect(() => formatArchivalCode(parts, 0, rules)).toThrow();
  });

  it('drops 机构 for photos by default, maps retention codes and per-unit fonds', () => {
    const photo = classPartsOf({ ...facts, kind: 'photo_group', retention: 'D10' }, rules);
    expect(formatArchivalCode(photo, 7, rules)).toBe('A182-ZP·2025-D10-0007');
    const other = classPartsOf({ ...facts, taskClass: '别的类', unitCodes: ['V9', 'T2', 'X'] }, rules);
    expect(formatArchivalCode(other, 3, rules)).toBe('A190-WS·2025-Y-CW-0003');
    const noOmit = parseArchiveConfig({
      fonds: { code: 'B1' },
      orgCode: { omitFor: [] },
      retention: { D30: '30' },
    });
    const p = classPartsOf({ ...facts, kind: 'photo_group', retention: 'D30', taskClass: 'x' }, noOmit);
    expect(formatArchivalCode(p, 1, noOmit)).toBe('B1-ZP·2025-30-ZH-0001');
  });

  it('parses codes back', () => {
    expect(parseArchivalCode('A182-WS·2025-Y-ZH-0001', rules)).toEqual({
      fondsCode: 'A182',
      categoryCode: 'WS',
      year: 2025,
      retentionCode: 'Y',
      orgCode: 'ZH',
      pieceNumber: 1,
    });
    expect(parseArchivalCode('A182-ZP·2025-D10-0007', rules)).toMatchObject({ orgCode: '', pieceNumber: 7 });
    expect(parseArchivalCode('nonsense', rules)).toBeUndefined();
  });

  it('loads config/archive.yaml and refuses bad codes', () => {
    const c = loadArchiveConfig('config/archive.yaml');
    expect(c.fonds.code).toMatch(/^[0-9A-Za-z]+$/);
    expect(c.allowedFormats).toContain('application/pdf');
    expect(c.chatUploadLimitBytes).toBe(30 * 1024 * 1024);
    expect(() => parseArchiveConfig({ fonds: { code: 'A-1' } })).toThrow(/fonds.code/);
    expect(() => parseArchiveConfig({})).toThrow();
    for (const sep of ['/', '..', ' ', '\\', 'ab'])
      expect(() => parseArchiveConfig({ fonds: { code: 'A1' }, yearSeparator: sep })).toThrow(
        /yearSeparator/,
      );
    for (const sep of ['·', '-', '.', '_', ''])
      expect(parseArchiveConfig({ fonds: { code: 'A1' }, yearSeparator: sep }).yearSeparator).toBe(sep);
  });
});

describe('a 档号 as typed', () => {
  it('the dot, dash, case and spaces a keyboard gives share the loose form of the 档号', () => {
    const code = looseArchivalCode('A182-WS·2025-D30-ZH-0001');
    for (const typed of [
      'A182-WS.2025-D30-ZH-0001',
      'a182-ws・2025-d30-zh-0001',
      'A182-WS•2025-D30-ZH-0001',
      'Ａ１８２－ＷＳ．２０２５－Ｄ３０－ＺＨ－０００１',
      ' A182-WS·2025—D30-ZH-0001 ',
    ])
      expect(looseArchivalCode(typed), typed).toBe(code);
    expect(looseArchivalCode('A182-WS·2025-D30-ZH-0002')).not.toBe(code);
  });

  it('whatever year separator archive.yaml sets, a 档号 typed with any separator look-alike has its loose form', () => {
    const typed = ['.', '·', '・', '．', '－', '-', '—', '——', '_', '•', '。', ' - '];
    for (const sep of ['·', '.', '-', '_']) {
      const configured = { ...rules, yearSeparator: sep };
      const written = formatArchivalCode(
        { fondsCode: 'A182', categoryCode: 'WS', year: 2025, retentionCode: 'D30', orgCode: 'ZH' },
        7,
        configured,
      );
      const code = looseArchivalCode(written);
      for (const t of typed) {
        const as = `a182－ｗｓ${t}２０２５—d30-zh-0007`;
        expect(looseArchivalCode(as), `${sep} typed ${as}`).toBe(code);
      }
      expect(looseArchivalCode(written.replace(sep, '')), sep).not.toBe(code);
    }
    // No year separator: the code as printed, with the dashes typed as a keyboard gives them.
    const bare = looseArchivalCode('A182-WS2025-D30-ZH-0007');
    expect(looseArchivalCode('ａ182—ws2025－d30－zh－0007')).toBe(bare);
    expect(looseArchivalCode('A182-WS2025-D30-ZH-0008')).not.toBe(bare);
  });

  it('tells a term that may be a 档号 spelled otherwise from a plain word', () => {
    expect(looseSpelling('A182-WS.2025')).toBe('A182-WS-2025');
    expect(looseSpelling('ws·2025')).toBe('WS-2025');
    expect(looseSpelling('ＷＳ２０２５')).toBe('WS2025');
    expect(looseSpelling('公示')).toBeUndefined();
    expect(looseSpelling('ws2025')).toBeUndefined();
  });
});
