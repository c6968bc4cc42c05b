import { describe, expect, it } from 'vitest';
import { loadArchiveConfig, sampleArchiveNames } from '../../src/archive/archive-config.js';
import { fallsToDefaultFonds, type UnitFonds } from '../../src/domain/fonds.js';
import { isSampleFonds } from '../../src/domain/sample-fonds.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

describe('the shipped sample fonds', () => {
  it("the tests' county archive.yaml is the shipped one but for its 全宗名称 and 移交、接收单位", () => {
    const shipped = loadArchiveConfig('config/archive.yaml');
    const county = loadArchiveConfig(TEST_ARCHIVE_YAML);
    expect(isSampleFonds(shipped.fonds)).toBe(true);
    expect(isSampleFonds(county.fonds)).toBe(false);
    expect(sampleArchiveNames(county)).toEqual([]);
    expect(county).toEqual({
      ...shipped,
      fonds: { ...shipped.fonds, name: '测试县人民政府办公室' },
      package: {
        ...shipped.package,
        transferringUnit: '测试县人民政府办公室',
        receivingUnit: '测试县档案馆',
      },
    });
  });

  it('is what the doctor names: the 全宗名称 alone decides, whatever the code', () => {
    const shipped = loadArchiveConfig('config/archive.yaml');
    const renamed = { ...shipped, fonds: { ...shipped.fonds, name: '施甸县人民政府办公室' } };
    expect(isSampleFonds(renamed.fonds)).toBe(false);
    expect(sampleArchiveNames(renamed).some((n) => n.startsWith('全宗'))).toBe(false);
    const recoded = { ...shipped, fonds: { ...shipped.fonds, code: 'A101' } };
    expect(isSampleFonds(recoded.fonds)).toBe(true);
    expect(sampleArchiveNames(recoded)[0]).toBe('全宗（fonds：A101 某县人民政府办公室）');
  });

  it("a unit falls to archive.yaml's fonds unless its chain holds one, as fondsOfUnit resolves it", () => {
    const set = new Map<string, UnitFonds>([
      ['T1', { unitCode: 'T1', code: 'A183', name: '城关镇人民政府', transferringUnit: '' }],
    ]);
    const d = { fonds: { code: 'A182', byUnit: { T2: 'A184', T3: 'A182', T4: 'A183' } } };
    expect(fallsToDefaultFonds(['V1', 'T1', 'X'], set, d)).toBe(false); // inherited from T1's own
    expect(fallsToDefaultFonds(['T1'], set, d)).toBe(false);
    expect(fallsToDefaultFonds(['V2', 'T2', 'X'], set, d)).toBe(false); // byUnit: another code
    expect(fallsToDefaultFonds(['V3', 'T3', 'X'], set, d)).toBe(true); // byUnit: the default's code
    expect(fallsToDefaultFonds(['V4', 'T4', 'X'], set, d)).toBe(false); // byUnit: T1's fonds
    expect(fallsToDefaultFonds(['V5', 'T5', 'X'], set, d)).toBe(true);
    expect(fallsToDefaultFonds([], new Map(), d)).toBe(true);
  });
});
