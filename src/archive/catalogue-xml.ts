import type { CatalogueRow } from '../domain/catalogue.js';
import { HashingWriter } from './hashing-writer.js';
import { xmlElement, xmlEscape } from './xml-escape.js';

export interface CatalogueHeader {
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
 * 文件目录.XML / 归档文件目录 XML, written row by row (UTF-8): one <文件> per 档号 with 顺序号, 档号,
 * 文号, 责任者, 题名, 日期, 密级, 页数, 保管期限, 电子档案名称 (one per file), 备注.
 */
export class CatalogueXmlWriter {
  private readonly out: HashingWriter;
  private buffer: string[] = [];

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

  async add(row: CatalogueXmlRow): Promise<void> {
    const i = '    ';
    const lines = [
      '  <文件>',
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
      '  </文件>',
    ];
    this.buffer.push(lines.join('\n'), '\n');
    if (this.buffer.length >= 200) await this.flush();
  }

  async close(): Promise<{ sha256: string; size: number }> {
    this.buffer.push('</文件目录>\n');
    await this.flush();
    return this.out.close();
  }

  private async flush(): Promise<void> {
    const text = this.buffer.join('');
    this.buffer = [];
    await this.out.write(text);
  }
}
