import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from '../db/client.js';
import { getChecklist, insertChecklistVersion } from '../db/repos/tasks-checklists.js';
import type { ChecklistTemplate } from '../domain/checklist.js';
import { parseChecklist } from '../domain/checklist-parse.js';
import { DomainError } from '../errors.js';
import type { Clock } from '../ports/clock.js';

export interface LoadedChecklist {
  code: string;
  version: number;
  title: string;
  items: number;
  sourceFile: string;
  /** new: first version; changed: a new version was stored; unchanged: same content as stored. */
  result: 'new' | 'changed' | 'unchanged';
}

/** Reads and validates one checklist file (errors name the file and the field). */
async function readChecklistFile(path: string): Promise<ChecklistTemplate> {
  return parseChecklist(await readFile(path, 'utf8'), path);
}

/**
 * Loads every *.yaml in `dir` (default config/checklists). All files are validated before anything
 * is stored; a file whose content changed becomes a new version, so campaigns made from the old one
 * keep it.
 */
export async function loadChecklists(
  deps: { db: Db; clock: Clock },
  opts: { dir?: string; files?: string[] } = {},
): Promise<LoadedChecklist[]> {
  const dir = opts.dir ?? 'config/checklists';
  const files =
    opts.files ??
    (await readdir(dir))
      .filter((f) => /\.ya?ml$/i.test(f))
      .sort()
      .map((f) => join(dir, f));
  const templates: { template: ChecklistTemplate; file: string }[] = [];
  const errors: string[] = [];
  for (const file of files) {
    try {
      templates.push({ template: await readChecklistFile(file), file });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      errors.push(err.message);
    }
  }
  const byCode = new Map<string, string>();
  for (const { template, file } of templates) {
    const other = byCode.get(template.code);
    if (other) errors.push(`${file}: code: 清单编码 ${template.code} 与 ${other} 重复`);
    byCode.set(template.code, file);
  }
  if (errors.length > 0) throw new DomainError('checklist_invalid', errors.join('\n'));
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const out: LoadedChecklist[] = [];
    for (const { template, file } of templates) {
      const contentHash = createHash('sha256').update(JSON.stringify(template)).digest('hex');
      const latest = await getChecklist(tx, template.code);
      const base = {
        code: template.code,
        title: template.title,
        items: template.items.length,
        sourceFile: file,
      };
      if (latest?.contentHash === contentHash) {
        out.push({ ...base, version: latest.version, result: 'unchanged' });
        continue;
      }
      const version = (latest?.version ?? 0) + 1;
      await insertChecklistVersion(tx, { template, version, sourceFile: file, contentHash }, now);
      out.push({ ...base, version, result: latest ? 'changed' : 'new' });
    }
    return out;
  });
}
