import { HashingWriter } from './hashing-writer.js';
import { xmlElement } from './xml-escape.js';

export interface CatalogueHeader {
  /** The 全宗号 the package holds (several joined with '、'). */
  fondsCode: string;
  fondsName: string;
  unitName: string;
  year: number;
  generatedAt: string;
}

/** One entry of 文件目录.XML (附件2 of the 电子档案移交与接收办法). */
export interface CarrierCatalogueRow {
  /** 顺序号: one sequence over the whole carrier, from 1. */
  seq: number;
  archivalCode: string;
  responsible: string;
  title: string;
  date: string;
  secrecy: string;
  /** Carrier paths of the item's files (电子档案名称), one element each. */
  files: string[];
  remarks: string;
}

/** The element order of a <文件> entry, as 附件2 lists it (the XSD in 其他/ says the same). */
export const CARRIER_CATALOGUE_FIELDS = [
  '顺序号',
  '档号',
  '责任者',
  '题名',
  '日期',
  '密级',
  '电子档案名称',
  '备注',
] as const;

/**
 * 文件目录.XML in the flat form of the 电子档案移交与接收办法 (附件2): <文件目录> holding one <文件>
 * per electronic record on the carrier, 顺序号 running from 1 over the whole carrier, then 档号, 责任者,
 * 题名, 日期, 密级, 电子档案名称 (one per file of the 件) and 备注. Written row by row (UTF-8). The
 * per-class catalogues (归档文件目录, with 停用 numbers) are the Excel file's.
 */
export class CatalogueXmlWriter {
  private readonly out: HashingWriter;
  private buffer: string[] = [];

  private constructor(path: string) {
    this.out = new HashingWriter(path);
  }

  static async open(path: string): Promise<CatalogueXmlWriter> {
    const w = new CatalogueXmlWriter(path);
    await w.out.write('<?xml version="1.0" encoding="UTF-8"?>\n<文件目录>\n');
    return w;
  }

  async add(row: CarrierCatalogueRow): Promise<void> {
    const i = '    ';
    const lines = [
      '  <文件>',
      xmlElement('顺序号', row.seq, i),
      xmlElement('档号', row.archivalCode, i),
      xmlElement('责任者', row.responsible, i),
      xmlElement('题名', row.title, i),
      xmlElement('日期', row.date, i),
      xmlElement('密级', row.secrecy, i),
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

  /** Gives up the file (the export failed). */
  abort(): void {
    this.buffer = [];
    this.out.abort();
  }

  private async flush(): Promise<void> {
    const text = this.buffer.join('');
    this.buffer = [];
    await this.out.write(text);
  }
}
