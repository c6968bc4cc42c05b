import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrations-folder.js';
import { PACKAGE_ROOT, RUNNING_FROM_DIST } from '../../src/package-root.js';
import { APP_VERSION } from '../../src/version.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

describe('package root', () => {
  it('is the folder holding package.json, drizzle/ and src/ when running from the sources', () => {
    expect(PACKAGE_ROOT).toBe(repoRoot);
    expect(RUNNING_FROM_DIST).toBe(false);
    expect(MIGRATIONS_FOLDER).toBe(join(repoRoot, 'drizzle'));
    expect(existsSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'))).toBe(true);
    expect(APP_VERSION).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
  });
});
