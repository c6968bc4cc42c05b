import type { CatalogueRow } from '../domain/catalogue.js';
import type { CatalogueClass } from '../domain/catalogue-class.js';
import { HashingWriter } from './hashing-writer.js';
import { xmlElement, xmlEscape } from './xml-escape.js';

export interface CatalogueHeader {
  /** The 全宗号 the package holds (several joined with '、'). */
  fondsCode: string;
  fondsName: string;
  unitName: string;
  year: number;
  generatedAt: string;
}

/** A catalogue row as the package lists it: the 2015 fields plus where its files are. */
export interface CatalogueXmlRow extends CatalogueRow {
  retention: string;
  status: 'confirmed' | 'withdrawn';
  /** Package paths of the item's files (电子档案名称), none for a withdrawn number. */
  files: string[];
}

/**
 * 文件目录.XML / 归档文件目录 XML, written row by row (UTF-8): one <目录> per class (its cover as
 * attributes: 类别, 全宗号, 门类, 年度, 保管期限, 机构问题, 件数, 起止件号), holding one <文件> per 档号
 * in 件号 order with 顺序号 (from 1 in each 目录), 档号, 文号, 责任者, 题名, 日期, 密级, 页数, 保管期限,
 * 电子档案名称 (one per file), 备注. Classes are written one after the other: `beginClass`, its rows,
 * the next `beginClass` or `close`.
 */
export class CatalogueXmlWriter {
  private readonly out: HashingWriter;
  private buffer: string[] = [];
  private open = false;

  private constructor(path: string) {
    this.out = new HashingWriter(path);
  }

  static async open(path: string, h: CatalogueHeader): Promise<CatalogueXmlWriter> {
    const w = new CatalogueXmlWriter(path);
    await w.out.write(
      `<?xml version="1.0" encoding="UTF-8"?>\n<文件目录 全宗号="${xmlEscape(h.fondsCode)}" 全宗名称="${xmlEscape(
        h.fondsName,
      )}" 单位="${xmlEscape(h.unitName)}" 年度="${h.year}" 生成时间="${xmlEscape(h.generatedAt)}">\n`,
    );
    return w;
  }

  /** Starts the 目录 of the next class (closes the previous one). */
  beginClass(c: CatalogueClass): void {
    this.endClass();
    // 机构问题 only for classes that have one (photo, audio and video classes usually do not).
    const attr = (name: string, v: unknown, keep = true) => (keep ? [`${name}="${xmlEscape(v)}"`] : []);
    const attrs = [
      ...attr('类别', c.code),
      ...attr('全宗号', c.fondsCode),
      ...attr('全宗名称', c.fondsName, c.fondsName !== ''),
      ...attr('门类', c.categoryName),
      ...attr('门类代码', c.categoryCode),
      ...attr('年度', c.year),
      ...attr('保管期限', c.retentionCode),
      ...attr('保管期限名称', c.retentionName, c.retentionName !== ''),
      ...attr('机构问题', c.orgCode, c.orgCode !== ''),
      ...attr('机构问题名称', c.orgName, c.orgName !== ''),
      ...attr('件数', c.items),
      ...attr('停用件号', c.withdrawn),
      ...attr('起止件号', c.pieceRange),
    ];
    this.buffer.push(`  <目录 ${attrs.join(' ')}>\n`);
    this.open = true;
  }

  /** A row of the current class's 目录. */
  async add(row: CatalogueXmlRow): Promise<void> {
    if (!this.open) throw new Error('CatalogueXmlWriter.add before beginClass');
    const i = '      ';
    const lines = [
      '    <文件>',
      xmlElement('顺序号', row.seq, i),
      xmlElement('档号', row.archivalCode, i),
      xmlElement('文号', row.docNumber, i),
      xmlElement('责任者', row.responsible, i),
      xmlElement('题名', row.title, i),
      xmlElement('日期', row.date, i),
      xmlElement('密级', row.secrecy, i),
      xmlElement('页数', row.pages, i),
      xmlElement('保管期限', row.retention, i),
      xmlElement('状态', row.status === 'confirmed' ? '有效' : '停用', i),
      ...row.files.map((f) => xmlElement('电子档案名称', f, i)),
      xmlElement('备注', row.remarks, i),
      '    </文件>',
    ];
    this.buffer.push(lines.join('\n'), '\n');
    if (this.buffer.length >= 200) await this.flush();
  }

  async close(): Promise<{ sha256: string; size: number }> {
    this.endClass();
    this.buffer.push('</文件目录>\n');
    await this.flush();
    return this.out.close();
  }

  private endClass(): void {
    if (this.open) this.buffer.push('  </目录>\n');
    this.open = false;
  }

  private async flush(): Promise<void> {
    const text = this.buffer.join('');
    this.buffer = [];
    await this.out.write(text);
  }
}
