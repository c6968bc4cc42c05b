import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/client.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const run = (cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(cmd, args, { ...opts, encoding: 'utf8', timeout: 60_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? ((err as any).code ?? null) : 0, stderr }),
    );
  });

describe('embedded PGlite data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'archive-bot-lock-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'a second process on the same folder refuses to start with a clear message',
    { timeout: 90_000 },
    async () => {
      const first = await openDb({ dataDir });
      try {
        // Async: the lock holder (this process) must keep refreshing its lock meanwhile.
        const child = await run(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], {
          cwd: root,
          env: {
            PATH: process.env.PATH,
            LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
            LARK_APP_SECRET: 'secret',
            LARK_DOMAIN: 'http://127.0.0.1:9',
            DATA_DIR: dataDir,
            PORT: '0',
            LOG_LEVEL: 'silent',
          },
        });
        expect(child.code).toBe(1);
        expect(child.stderr).toMatch(/Cannot start: .*already in use by another process/);
      } finally {
        await first.close();
      }
      // Released: the folder opens again.
      const again = await openDb({ dataDir });
      await again.close();
    },
  );
});
