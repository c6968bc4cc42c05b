import { isMap, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { DomainError } from '../errors.js';
import { parseUnitKind, UNIT_KIND_HINT, type UnitRecord } from './units.js';

/**
 * Units YAML: a list (top level or under `units:`) of { code, name, kind, parent_code?, children? }.
 * Nested `children` take their parent from the enclosing entry; flat lists use parent_code.
 */
export function parseUnitsYaml(text: string, fileName: string): UnitRecord[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0].line;
    throw new DomainError('units_invalid', `${fileName}${line ? ` 第 ${line} 行` : ''}: YAML 格式错误`);
  }
  let list: unknown = doc.contents;
  if (isMap(list)) list = list.get('units', true);
  if (!isSeq(list)) throw new DomainError('units_invalid', `${fileName}: 应为单位列表（或 units: 下的列表）`);
  const records: UnitRecord[] = [];
  const errors: string[] = [];
  const lineOf = (node: Node) => (node.range ? lineCounter.linePos(node.range[0]).line : 0);
  const walk = (items: Node[], parentCode: string | null) => {
    for (const node of items) {
      const line = lineOf(node);
      if (!isMap(node)) {
        errors.push(`${fileName} 第 ${line} 行: 每个单位应写成 code/name/kind 的键值`);
        continue;
      }
      const code = scalar(node, 'code');
      const name = scalar(node, 'name');
      const kindWord = scalar(node, 'kind');
      const kind = parseUnitKind(kindWord);
      if (!code) errors.push(`${fileName} 第 ${line} 行: 缺少 code`);
      if (!name) errors.push(`${fileName} 第 ${line} 行: 缺少 name`);
      if (!kind) errors.push(`${fileName} 第 ${line} 行: kind "${kindWord}" 不对，应为 ${UNIT_KIND_HINT}`);
      const parent = scalar(node, 'parent_code') || parentCode;
      if (code && name && kind) records.push({ code, name, kind, parentCode: parent, line });
      const children = node.get('children', true);
      if (children !== undefined) {
        if (isSeq(children)) walk(children.items as Node[], code || null);
        else errors.push(`${fileName} 第 ${line} 行: children 应为列表`);
      }
    }
  };
  walk(list.items as Node[], null);
  if (errors.length > 0) throw new DomainError('units_invalid', errors.join('\n'));
  return records;
}

function scalar(map: YAMLMap, key: string): string {
  const v = map.get(key);
  return v === undefined || v === null ? '' : String(v).trim();
}
