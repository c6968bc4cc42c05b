import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('embedded PGlite data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'archive-bot-lock-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('a second process on the same folder refuses to start with a clear message', async () => {
    const first = await openDb({ dataDir });
    try {
      const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], {
        cwd: dataDir,
        env: {
          PATH: process.env.PATH,
          LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
          LARK_APP_SECRET: 'secret',
          LARK_DOMAIN: 'http://127.0.0.1:9',
          DATA_DIR: dataDir,
          PORT: '0',
          LOG_LEVEL: 'silent',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.status).toBe(1);
      expect(child.stderr).toMatch(/Cannot start: .*already in use by another process/);
    } finally {
      await first.close();
    }
    // Released: the folder opens again.
    const again = await openDb({ dataDir });
    await again.close();
  });
});
