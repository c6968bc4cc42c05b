import { DomainError } from '../errors.js';
import { csvColumns, type CsvRecord } from './units-csv.js';
import { excelNumberHint } from './excel-number.js';

/** One row of a chat-binding table: this chat files for the unit with this code. */
export interface ChatBindingRow {
  chatId: string;
  unitCode: string;
  line: number;
}

/** The header `chats list --csv` writes, and the bind table reads back (its 群名 column is for people). */
export const CHAT_TABLE_HEADER = ['群ID', '群名', '单位编码'] as const;

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
export const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * A CSV field of free text (a chat's name, which any group owner sets): one Excel would run as a
 * formula on opening (「=HYPERLINK(…)」, 「+…」, 「-…」, 「@…」) starts with 「'」, so it stays text.
 */
export const csvTextField = (s: string): string => csvField(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

/**
 * A chat-binding table (CSV or worksheet rows, header first): 群ID/chat_id and 单位编码/unit_code
 * (群名/name may be there too and is not read). Rows without a unit code are left out (a chat not
 * decided yet); every other problem is reported at once, naming its line.
 */
export function parseChatBindingRows(
  records: CsvRecord[],
  fileName: string,
): { rows: ChatBindingRow[]; blank: number } {
  const [header, ...rest] = records;
  const col = csvColumns(
    header,
    {
      chatId: { names: ['群id', 'chat_id', '群聊id'], required: true },
      unitCode: { names: ['单位编码', 'unit_code', '单位代码'], required: true },
    },
    fileName,
  );
  const errors: string[] = [];
  const rows: ChatBindingRow[] = [];
  const seen = new Map<string, number>();
  let blank = 0;
  for (const { line, fields } of rest) {
    const chatId = fields[col.chatId] ?? '';
    const unitCode = fields[col.unitCode] ?? '';
    const at = `${fileName} 第 ${line} 行`;
    if (!chatId) {
      errors.push(`${at}: 缺少群ID`);
      continue;
    }
    if (!unitCode) {
      blank++;
      continue;
    }
    if (!/^oc_\w+$/.test(chatId)) {
      errors.push(`${at}: 群ID "${chatId}" 应以 oc_ 开头（用 npm run cli -- chats list --csv 导出的群ID）`);
      continue;
    }
    const first = seen.get(chatId);
    if (first !== undefined) {
      errors.push(`${at}: 群 ${chatId} 在第 ${first} 行已经有了，一个群只能绑定一个单位`);
      continue;
    }
    seen.set(chatId, line);
    rows.push({ chatId, unitCode, line });
  }
  if (errors.length > 0) throw new DomainError('chat_table_invalid', errors.join('\n'));
  return { rows, blank };
}

/** The hint for a unit code the database does not know (Excel's 5.30521E+11 included). */
export const unknownUnitCode = (code: string): string =>
  `单位编码 ${code} 不存在${excelNumberHint(code, { workbook: true })}`;
