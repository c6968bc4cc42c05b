import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/bot-process.js';
import { NOBODY, nodeForNobody } from '../support/node-for-nobody.js';

/**
 * A read-only data folder at start (issue 12, point 8): one clear line (Chinese and English) and exit
 * 2, not ENOENT from mkdir deep inside. Root ignores permission bits, so as root the bot is started as
 * the unprivileged user `nobody` (uid 65534), for whom the folder is read-only.
 */
describe('a read-only data folder at start', () => {
  const asNobody = process.getuid?.() === 0 ? NOBODY : undefined;
  let dataDir: string;
  let node = process.execPath;
  let cleanup = () => {};
  beforeAll(() => {
    ensureBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'archive-bot-ro-'));
    chmodSync(dataDir, 0o555);
    if (asNobody) ({ node, cleanup } = nodeForNobody());
  }, 300_000);
  afterAll(() => {
    chmodSync(dataDir, 0o755);
    rmSync(dataDir, { recursive: true, force: true });
    cleanup();
  });

  it('says the folder is read-only in one line and exits 2', { timeout: 90_000 }, async () => {
    const child = spawn(node, [join(repoRoot, 'dist/main.js')], {
      cwd: repoRoot,
      ...(asNobody ?? {}),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dataDir,
        LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
        LARK_APP_SECRET: 'secret',
        LARK_DOMAIN: 'http://127.0.0.1:9',
        DATA_DIR: join(dataDir, 'data'),
        PORT: '0',
        LOG_LEVEL: 'silent',
      },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('close', resolve); // after stderr is read to the end
      child.on('error', reject);
    });
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/数据目录 .*\/data 不可写（只读或没有权限，EACCES）/);
    expect(lines[0]).toMatch(/read-only or not writable/);
    expect(stderr).not.toMatch(/ENOENT|mkdir/);
  });
});
