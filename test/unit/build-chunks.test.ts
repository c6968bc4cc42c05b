import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript build script, no type declarations
import { keepPreviousChunks } from '../../scripts/build.mjs';

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

describe('a rebuild keeps the chunks of the build before (a running bot imports some only when needed)', () => {
  it('carries the previous build’s own chunks, not older ones, and lists only its own', () => {
    const root = mkdtempSync(join(tmpdir(), 'build-chunks-'));
    dirs.push(root);
    const first = build(root, 'first', { 'export-AAA.js': 'a', 'shared-BBB.js': 'b' });
    keepPreviousChunks(first, join(root, 'none'));
    const second = build(root, 'second', { 'export-CCC.js': 'c', 'shared-BBB.js': 'b' });
    keepPreviousChunks(second, first);
    expect(readFileSync(join(second, 'chunks', 'export-AAA.js'), 'utf8')).toBe('a');
    expect(
      readFileSync(join(second, 'chunks', '.own'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .sort(),
    ).toEqual(['export-CCC.js', 'shared-BBB.js']);
    const third = build(root, 'third', { 'export-DDD.js': 'd' });
    keepPreviousChunks(third, second);
    expect(existsSync(join(third, 'chunks', 'export-CCC.js'))).toBe(true);
    expect(existsSync(join(third, 'chunks', 'shared-BBB.js'))).toBe(true);
    expect(existsSync(join(third, 'chunks', 'export-AAA.js'))).toBe(false);
  });
});
