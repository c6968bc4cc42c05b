import { describe, expect, it } from 'vitest';
import {
  fieldRangeProblems,
  catalogueFieldProblems,
  exifTimeProblem,
  findNumberGaps,
  formatProblem,
  pdfTrailer,
  xrefLooksValid,
} from '../../src/domain/four-properties-rules.js';
import { ReportBuilder, failure } from '../../src/domain/four-properties.js';

const ALLOW = ['application/pdf', 'image/jpeg', 'application/ofd', 'application/msword'];

describe('four-properties rules', () => {
  it('finds gaps in 件号 (withdrawn numbers count as present), including a trailing one', () => {
    expect(findNumberGaps([1, 2, 3])).toEqual([]);
    expect(findNumberGaps([1, 2, 4, 7], 7)).toEqual([
      { from: 3, to: 3 },
      { from: 5, to: 6 },
    ]);
    expect(findNumberGaps([2, 3], 5)).toEqual([
      { from: 1, to: 1 },
      { from: 4, to: 5 },
    ]);
    expect(findNumberGaps([], 0)).toEqual([]);
  });

  it('checks the required catalogue fields', () => {
    const ok = { archivalCode: 'A', responsible: '王', title: 't', date: '20250101', pages: 1 };
    expect(catalogueFieldProblems(ok)).toEqual([]);
    const bad = catalogueFieldProblems({ ...ok, responsible: ' ', date: '2025-01-01', pages: 0 });
    expect(bad.map((p) => p.check)).toEqual(['field_missing', 'field_invalid', 'field_invalid']);
  });

  it('judges formats by magic bytes (containers accepted for OFD/DOC)', () => {
    expect(formatProblem({ bytesMime: 'application/pdf', mime: 'application/pdf' }, ALLOW)).toBeUndefined();
    expect(formatProblem({ bytesMime: 'application/zip', mime: 'application/ofd' }, ALLOW)).toBeUndefined();
    expect(
      formatProblem({ bytesMime: 'application/x-cfb', mime: 'application/msword' }, ALLOW),
    ).toBeUndefined();
    expect(formatProblem({ bytesMime: 'application/zip', mime: 'application/zip' }, ALLOW)).toMatch(/不在/);
    expect(formatProblem({ mime: 'application/pdf' }, ALLOW)).toMatch(/文件头/);
    expect(formatProblem({ bytesMime: 'image/heic', mime: 'image/heic' }, ALLOW)).toMatch(/heic/);
  });

  it('parses the PDF trailer minimally', () => {
    const head = Buffer.from('%PDF-1.7\n');
    expect(pdfTrailer(head, Buffer.from('...startxref\n1234\n%%EOF\n'))).toEqual({ xrefOffset: 1234 });
    expect(pdfTrailer(Buffer.from('hello'), Buffer.from('%%EOF'))).toHaveProperty('problem');
    expect(pdfTrailer(head, Buffer.from('startxref\n12\n'))).toHaveProperty('problem');
    expect(xrefLooksValid(Buffer.from('xref\n0 5\n'))).toBe(true);
    expect(xrefLooksValid(Buffer.from('12 0 obj\n<< /Type /XRef'))).toBe(true);
    expect(xrefLooksValid(Buffer.from('garbage'))).toBe(false);
  });

  it('compares EXIF capture time with what was recorded', () => {
    const t = new Date('2025-01-01T00:00:00Z');
    expect(exifTimeProblem(t, new Date(t.getTime() + 500))).toBeUndefined();
    expect(exifTimeProblem(t, undefined)).toBeDefined();
    expect(exifTimeProblem(null, t)).toBeDefined();
    expect(exifTimeProblem(t, new Date('2025-01-02T00:00:00Z'))).toBeDefined();
    expect(exifTimeProblem(null, undefined)).toBeUndefined();
  });

  it('the report counts errors, not warnings, against the verdict', () => {
    const b = new ReportBuilder();
    b.checked('integrity', 2);
    b.add(failure('description_gap', 'x', { severity: 'warning', itemId: 1 }));
    expect(b.finish(new Date(0), {}, 'off')).toMatchObject({
      passed: true,
      summary: { integrity: { checked: 2, failed: 0 } },
    });
    b.add(failure('hash_mismatch', 'y', { itemId: 2, archivalCode: 'A' }));
    const r = b.finish(new Date(0), {}, 'off');
    expect(r.passed).toBe(false);
    expect(r.failures[0]).toMatchObject({ property: 'authenticity', check: 'hash_mismatch' });
  });
});

describe('metadata value ranges, lengths and special characters (DA/T 70 1-5)', () => {
  const row = {
    responsible: '东村村民委员会',
    title: '关于开展普查的通知',
    date: '20250601',
    pages: 2,
    docNumber: '县乡振发〔2025〕3号',
    secrecy: '',
    remarks: '',
  };
  it('passes a plain row', () => {
    expect(fieldRangeProblems(row, '20260110')).toEqual([]);
  });
  it('names each problem', () => {
    const problems = fieldRangeProblems(
      {
        ...row,
        date: '20270101',
        title: '题'.repeat(301),
        responsible: '东村\uFFFD委员会',
        docNumber: '第3号',
        secrecy: '机密',
        pages: 20000,
      },
      '20260110',
    );
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/日期“20270101”超出合理范围/);
    expect(problems.join('\n')).toMatch(/题名长 301 字/);
    expect(problems.join('\n')).toMatch(/责任者含控制字符/);
    expect(problems.join('\n')).toMatch(/文号“第3号”/);
    expect(problems.join('\n')).toMatch(/涉密/);
    expect(fieldRangeProblems({ ...row, date: '19000101' }, '20260110')).toHaveLength(1);
  });
});
