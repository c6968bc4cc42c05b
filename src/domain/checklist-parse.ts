import { LineCounter, parseDocument, type Document } from 'yaml';
import { DomainError } from '../errors.js';
import { checklistSchema, formatIssuePath, zhIssueMessage, type ChecklistTemplate } from './checklist.js';

/**
 * Parses and validates one checklist YAML. Every problem is reported at once, each naming the file,
 * the field path and (when known) the line: `config/checklists/bad.yaml: items[3].retention: 必须是 …`.
 */
export function parseChecklist(text: string, fileName: string): ChecklistTemplate {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${fileName}${pos ? ` 第 ${pos.line} 行` : ''}: YAML 格式错误: ${e.message.split('\n')[0]}`;
    });
    throw new DomainError('checklist_invalid', lines.join('\n'));
  }
  const result = checklistSchema.safeParse(doc.toJS(), { error: (iss) => zhIssueMessage(iss) });
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const line = lineOf(doc, lineCounter, issue.path);
    return `${fileName}: ${formatIssuePath(issue.path)}: ${issue.message}${line ? ` (第 ${line} 行)` : ''}`;
  });
  throw new DomainError('checklist_invalid', lines.join('\n'));
}

/** Line of the node at `path`, or of its nearest existing ancestor (a missing field → its item). */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as
      { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
