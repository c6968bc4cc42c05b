import { describe, expect, it } from 'vitest';
import { SchemaValidator } from '../../src/archive/package-schema-check.js';
import { CARRIER_CATALOGUE_XSD } from '../../src/archive/package-schemas.js';

const doc = (body: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`, 'utf8');
const ENTRY =
  '<文件><顺序号>1</顺序号><档号>A-1</档号><责任者>村</责任者><题名>题</题名><日期>20250101</日期>' +
  '<密级></密级><电子档案名称>a.pdf</电子档案名称><备注></备注></文件>';
const SIMPLE_XSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:positiveInteger"/></xs:schema>`;

describe('SchemaValidator: libxml2 on one thread, in batches, as documents are added', () => {
  it('names each invalid document across batches, with another XSD for a document of its own', async () => {
    const v = new SchemaValidator(CARRIER_CATALOGUE_XSD);
    try {
      for (let i = 0; i < 700; i++) {
        const name = `电子档案/2025/WS/d${i}.xml`;
        if (i === 260)
          await v.add(name, doc(`<文件目录>${ENTRY.replace('20250101', '2025-01-01')}</文件目录>`));
        else if (i === 611) await v.add(name, doc('<文件目录><文件>'));
        else await v.add(name, doc(`<文件目录>${ENTRY}</文件目录>`));
      }
      await v.add('other-ok.xml', doc('<a>3</a>'), SIMPLE_XSD);
      await v.add('other-bad.xml', doc('<a>x</a>'), SIMPLE_XSD);
      expect(v.added).toBe(702);
      const problems = await v.finish();
      expect(problems.map((p) => p.file)).toEqual([
        '电子档案/2025/WS/d260.xml',
        '电子档案/2025/WS/d611.xml',
        'other-bad.xml',
      ]);
      for (const p of problems) expect(p.message).toMatch(/^第 \d+ 行：/);
      expect(problems[0]!.message).toContain('日期');
    } finally {
      await v.close();
    }
  });

  it('a document over 1 MiB is validated as it is read (--stream), its error still named with the line', async () => {
    const entries = Array.from({ length: 6000 }, (_, i) => {
      const entry = ENTRY.replace('<顺序号>1<', `<顺序号>${i + 1}<`).replace('A-1<', `A-${i + 1}<`);
      return i === 5000 ? entry.replace('20250101', '2025-xx') : entry;
    });
    const big = doc(`<文件目录>\n${entries.join('\n')}\n</文件目录>`);
    expect(big.length).toBeGreaterThan(1 << 20);
    const v = new SchemaValidator(CARRIER_CATALOGUE_XSD);
    try {
      await v.add('文件目录.XML', big);
      const problems = await v.finish();
      expect(problems).toHaveLength(1);
      expect(problems[0]!.file).toBe('文件目录.XML');
      expect(problems[0]!.message).toMatch(/^第 5003 行：.*日期/);
    } finally {
      await v.close();
    }
  });
});
