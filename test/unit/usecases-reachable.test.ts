import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 14: no use case is reachable only from tests. A use case is reached when the program can get
 * to it: `npm start` (src/main.ts, which composes the features: their commands, card actions, jobs,
 * timers and page routes) or a CLI script of package.json. Two checks, on the sources as text:
 * 1. every file in src/usecases/ is in the import graph (static and lazy `import()`) of those entry
 *    points;
 * 2. every function, class or constant a use-case file exports is named somewhere in src/ outside
 *    that file, or used inside it (by what it does export and is used): an export only tests call
 *    is dead code.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The program's entry points: src/main.ts and each script of package.json run through run-dist.mjs. */
function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const fromScripts = Object.values(pkg.scripts).flatMap((s) =>
    [...s.matchAll(/run-dist\.mjs\s+(\S+)\.js/g)].map((m) => join(SRC, `${m[1]}.ts`)),
  );
  return [...new Set([join(SRC, 'main.ts'), ...fromScripts])];
}

/** Relative imports of a file (static, re-exports and lazy import()), resolved to .ts files. */
function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/\bfrom\s+['"](\.[^'"]+)['"]/g),
    ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
    ...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm),
  ].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts'))).filter((p) => existsSync(p));
}

describe('use cases reachable from the program, not only from tests', () => {
  const files = tsFiles(SRC);
  const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  const useCases = files.filter((f) => dirname(f) === join(SRC, 'usecases'));

  it('every src/usecases file is imported, directly or not, by npm start or a CLI script', () => {
    const entries = entryPoints();
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) expect(existsSync(e), relative(ROOT, e)).toBe(true);
    const seen = new Set<string>();
    const todo = [...entries];
    while (todo.length > 0) {
      const f = todo.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      todo.push(...importsOf(f, text.get(f) ?? readFileSync(f, 'utf8')));
    }
    expect(useCases.filter((f) => !seen.has(f)).map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('every value a use case exports is used by the program outside tests', () => {
    const unused: string[] = [];
    for (const f of useCases) {
      const own = text.get(f)!;
      const names = [
        ...own.matchAll(/^export\s+(?:async\s+)?(?:function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)/gm),
      ].map((m) => m[1]!);
      for (const name of names) {
        const escaped = name.replace(/\$/g, '\\$');
        const word = new RegExp(`\\b${escaped}\\b`);
        const every = new RegExp(word.source, 'g');
        const usedInside = (own.match(every) ?? []).length > 1;
        const usedElsewhere = files.some((g) => g !== f && word.test(text.get(g)!));
        if (!usedInside && !usedElsewhere) unused.push(`${relative(ROOT, f)}: ${name}`);
      }
    }
    expect(unused).toEqual([]);
  });
});
