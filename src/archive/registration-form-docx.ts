/**
 * The 登记表 (registration-form.ts) as a printable DOCX. Built with `docx` (pure JavaScript, no native
 * code, no download at install; actively maintained and widely used), so the form opens in WPS and
 * Word and prints on A4. Its own module so the bot and the CLI load `docx` only when a package is
 * written (start-up time).
 */
import {
  AlignmentType,
  Document,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
} from 'docx';
import type { RegistrationForm } from './registration-form.js';
import { xmlText } from './xml-escape.js';

const FONT = '宋体';

function cell(text: string, opts: { span?: number; width?: number; bold?: boolean; center?: boolean } = {}) {
  const lines = xmlText(text).split('\n');
  return new TableCell({
    columnSpan: opts.span,
    width: opts.width ? { size: opts.width, type: WidthType.PERCENTAGE } : undefined,
    verticalAlign: VerticalAlign.CENTER,
    children: lines.map(
      (line) =>
        new Paragraph({
          alignment: opts.center ? AlignmentType.CENTER : AlignmentType.LEFT,
          children: [new TextRun({ text: line, font: FONT, size: 21, bold: opts.bold })],
        }),
    ),
  });
}

/** The form as DOCX bytes (A4 portrait, 宋体, a bordered table). */
export async function registrationFormDocx(form: RegistrationForm): Promise<Buffer> {
  const rows = [
    ...form.transfer.map(
      ([label, value]) =>
        new TableRow({ children: [cell(label, { width: 22, bold: true }), cell(value, { span: 2 })] }),
    ),
    new TableRow({
      children: [
        cell('检验内容', { width: 22, bold: true, center: true }),
        cell('移交单位', { width: 39, bold: true, center: true }),
        cell('接收单位', { width: 39, bold: true, center: true }),
      ],
    }),
    ...form.checks.map(
      ([label, ours, theirs]) =>
        new TableRow({ children: [cell(label, { bold: true }), cell(ours), cell(theirs)] }),
    ),
    new TableRow({ children: [cell('数字摘要', { bold: true }), cell(form.digest, { span: 2 })] }),
  ];
  const doc = new Document({
    creator: 'lark-archive-bot',
    title: form.title,
    styles: { default: { document: { run: { font: FONT, size: 21 } } } },
    sections: [
      {
        properties: {
          page: {
            size: { width: 11906, height: 16838 },
            margin: { top: 1440, bottom: 1440, left: 1304, right: 1304 },
          },
        },
        children: [
          new Paragraph({
            alignment: AlignmentType.CENTER,
            spacing: { after: 240 },
            children: [new TextRun({ text: form.title, font: FONT, size: 32, bold: true })],
          }),
          new Table({ width: { size: 100, type: WidthType.PERCENTAGE }, rows }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
