import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bundledPackages,
  KEEP_CHUNKS_MS,
  keepPreviousChunks,
  newestSource,
  staleReason,
  stampFor,
  // @ts-expect-error -- plain JavaScript build script, no type declarations
} from '../../scripts/build.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function build(root: string, name: string, chunks: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'chunks'), { recursive: true });
  for (const [file, text] of Object.entries(chunks)) writeFileSync(join(dir, 'chunks', file), text);
  return dir;
}

/** A first build (export-AAA, shared-BBB) and a rebuild over it (export-CCC, shared-BBB). */
function twoBuilds(): { root: string; first: string; second: string } {
  const root = mkdtempSync(join(tmpdir(), 'build-chunks-'));
  dirs.push(root);
  const first = build(root, 'first', { 'export-AAA.js': 'a', 'shared-BBB.js': 'b' });
  keepPreviousChunks(first, join(root, 'none'));
  const second = build(root, 'second', { 'export-CCC.js': 'c', 'shared-BBB.js': 'b' });
  keepPreviousChunks(second, first);
  return { root, first, second };
}

describe('a rebuild keeps the chunks of the builds before (a running bot imports some only when needed)', () => {
  it('carries the previous build’s own chunks and lists only its own', () => {
    const { second } = twoBuilds();
    expect(readFileSync(join(second, 'chunks', 'export-AAA.js'), 'utf8')).toBe('a');
    expect(
      readFileSync(join(second, 'chunks', '.own'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .sort(),
    ).toEqual(['export-CCC.js', 'shared-BBB.js']);
  });

  it('after two rebuilds, a bot started from the first build still finds its chunks', () => {
    const { root, second } = twoBuilds();
    const third = build(root, 'third', { 'export-DDD.js': 'd' });
    keepPreviousChunks(third, second);
    expect(readFileSync(join(third, 'chunks', 'export-AAA.js'), 'utf8')).toBe('a');
    expect(existsSync(join(third, 'chunks', 'export-CCC.js'))).toBe(true);
    expect(existsSync(join(third, 'chunks', 'shared-BBB.js'))).toBe(true);
    const fourth = build(root, 'fourth', { 'export-EEE.js': 'e' });
    keepPreviousChunks(fourth, third);
    expect(readFileSync(join(fourth, 'chunks', 'export-AAA.js'), 'utf8')).toBe('a');
    expect(readFileSync(join(fourth, 'chunks', 'export-DDD.js'), 'utf8')).toBe('d');
  });

  it('drops a chunk once no build has owned it for a week', () => {
    const root = mkdtempSync(join(tmpdir(), 'build-chunks-'));
    dirs.push(root);
    const first = build(root, 'first', { 'export-AAA.js': 'a' });
    keepPreviousChunks(first, join(root, 'none'));
    const builtAt = statSync(join(first, 'chunks', '.own')).mtimeMs;
    /** A build made at `at` (its .own carries that time, as a real build's does). */
    const rebuild = (name: string, chunks: Record<string, string>, previous: string, at: number) => {
      const dir = build(root, name, chunks);
      keepPreviousChunks(dir, previous, at);
      utimesSync(join(dir, 'chunks', '.own'), new Date(at), new Date(at));
      return dir;
    };
    const second = rebuild('second', { 'export-CCC.js': 'c' }, first, builtAt + 1000);
    // A week after the first build (the last that owned it), less a second: still kept.
    const third = rebuild('third', { 'export-DDD.js': 'd' }, second, builtAt + KEEP_CHUNKS_MS - 1000);
    expect(existsSync(join(third, 'chunks', 'export-AAA.js'))).toBe(true);
    // Over a week: dropped; the chunks later builds owned are kept.
    const fourth = rebuild('fourth', { 'export-EEE.js': 'e' }, third, builtAt + KEEP_CHUNKS_MS + 1000);
    expect(existsSync(join(fourth, 'chunks', 'export-AAA.js'))).toBe(false);
    expect(existsSync(join(fourth, 'chunks', 'export-DDD.js'))).toBe(true);
  });
});

describe('dist/ is stale when what builds it changes', () => {
  it('counts the build script itself as a source', () => {
    const root = mkdtempSync(join(tmpdir(), 'build-sources-'));
    dirs.push(root);
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'scripts'));
    const old = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000); // whole seconds: exact in mtimes
    for (const f of [
      'tsconfig.json',
      'tsconfig.build.json',
      'package.json',
      'package-lock.json',
      'src/main.ts',
      'scripts/build.mjs',
    ]) {
      writeFileSync(join(root, f), '');
      utimesSync(join(root, f), old, old);
    }
    const before = newestSource(root);
    const later = new Date(old.getTime() + 60_000);
    utimesSync(join(root, 'scripts', 'build.mjs'), later, later);
    expect(newestSource(root)).toBe(later.getTime());
    expect(newestSource(root)).toBeGreaterThan(before);
  });

  it('lists the installed packages a build copied into dist/ (nested and scoped too), by their node_modules folder', () => {
    expect(
      bundledPackages([
        'src/main.ts',
        'node_modules/zod/v4/classic/external.js',
        '../../main/node_modules/koa/node_modules/debug/src/index.js',
        'node_modules/@smithy/util/dist/a.js',
        'node_modules/@scope/a/node_modules/@scope/b/index.js',
      ]),
    ).toEqual([
      '@larksuiteoapi/node-sdk', // the minified copy in dist/vendor/
      '@scope/a/node_modules/@scope/b',
      '@smithy/util',
      'koa/node_modules/debug',
      'zod',
    ]);
  });

  it('`npm update` of a package loaded from node_modules (chinese-days) leaves dist/ current; a built-in one, package.json or src/ do not', () => {
    const root = mkdtempSync(join(tmpdir(), 'build-stale-'));
    dirs.push(root);
    const old = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const write = (f: string, text: string, at?: Date) => {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), text);
      if (at) utimesSync(join(root, f), at, at);
    };
    const pkg = { name: 'bot', version: '1.0.0', type: 'module', dependencies: { 'chinese-days': '^1.5.7' } };
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'src/main.ts', 'scripts/build.mjs'])
      write(f, '', old);
    write('package.json', JSON.stringify(pkg), old);
    write('package-lock.json', '{}', old);
    write('node_modules/zod/package.json', '{"version":"4.0.0"}');
    write('node_modules/chinese-days/package.json', '{"version":"1.5.7"}');
    write('dist/.build-stamp', JSON.stringify(stampFor(root, ['zod'])));
    expect(staleReason(root)).toBeUndefined();

    // npm update chinese-days: a new version installed, the lock (and the range) rewritten.
    write('node_modules/chinese-days/package.json', '{"version":"1.6.0"}');
    write('package-lock.json', '{"changed":true}');
    write('package.json', JSON.stringify({ ...pkg, dependencies: { 'chinese-days': '^1.6.0' } }));
    expect(staleReason(root)).toBeUndefined();
    // A package the build bundled, installed in another version: stale, naming it.
    write('node_modules/zod/package.json', '{"version":"4.1.0"}');
    expect(staleReason(root)).toBe('编译时用的 zod 是 4.0.0，现在装的是 4.1.0');
    // Removed (a pruned install): dist/ holds its copy.
    rmSync(join(root, 'node_modules/zod'), { recursive: true });
    expect(staleReason(root)).toBeUndefined();
    // package.json itself changed (not its dependency lists).
    write('package.json', JSON.stringify({ ...pkg, type: 'commonjs' }));
    expect(staleReason(root)).toBe('package.json 在上次编译后改过');
    write('package.json', JSON.stringify(pkg));
    expect(staleReason(root)).toBeUndefined();
    // Our own source, newer than the build.
    write('src/main.ts', 'changed');
    expect(staleReason(root)).toBe('src/ 或编译设置在上次编译后改过');
    // A stamp from before this script recorded packages.
    write('dist/.build-stamp', '2026-12-01T00:00:00.000Z\n');
    utimesSync(join(root, 'src/main.ts'), old, old);
    expect(staleReason(root)).toBe('dist/ 是旧版编译脚本编译的');
    rmSync(join(root, 'dist'), { recursive: true });
    expect(staleReason(root)).toBe('dist/ 还没有编译过');
  });
});
