import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/bot-process.js';
import { NOBODY, nodeForNobody } from '../support/node-for-nobody.js';

/**
 * A read-only data folder at start (issue 12, point 8): one clear line (in Chinese) and exit
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

  /** The bot started on `data`: its exit code and what it wrote on stderr. */
  const start = async (data: string, user = asNobody) => {
    const child = spawn(user ? node : process.execPath, [join(repoRoot, 'dist/main.js')], {
      cwd: repoRoot,
      ...(user ?? {}),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dataDir,
        LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
        LARK_APP_SECRET: 'secret',
        LARK_DOMAIN: 'http://127.0.0.1:9',
        DATA_DIR: data,
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
    return { code, stderr };
  };

  it('says the folder is read-only in one line and exits 2', { timeout: 90_000 }, async () => {
    const { code, stderr } = await start(join(dataDir, 'data'));
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    // Whose folder it must be, and the line that makes it so (it said only 「请检查 DATA_DIR 的挂载和属主」).
    const data = join(dataDir, 'data');
    expect(lines[0]).toMatch(
      new RegExp(
        `^数据目录 ${data} 不能由 nobody 写入（EACCES）：.*请先以 root 运行 install -d -o nobody -g \\S+ -m 750 ${data}，再运行这条命令$`,
      ),
    );
    expect(stderr).not.toMatch(/ENOENT|mkdir/);
  });

  /**
   * Under the service (ProtectSystem=strict) a DATA_DIR outside ReadWritePaths= is on a read-only file
   * system: the line said to check DATA_DIR's mount and owner, both fine, and not the unit's
   * ReadWritePaths=. A read-only tmpfs stands in for systemd's read-only view (mounting needs root).
   */
  const roMount = mkdtempSync(join(tmpdir(), 'archive-bot-erofs-'));
  // A folder made for the bot beforehand, then the file system turned read-only.
  const canMount =
    process.getuid?.() === 0 &&
    spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', roMount]).status === 0 &&
    spawnSync('mkdir', [join(roMount, 'archive-bot')]).status === 0 &&
    spawnSync('mount', ['-o', 'remount,ro', roMount]).status === 0;
  if (!canMount) console.warn('cannot mount a read-only tmpfs (needs root): skipping the EROFS case');
  it.skipIf(!canMount)(
    'on a read-only file system, names ReadWritePaths= of the service',
    { timeout: 90_000 },
    async () => {
      try {
        // The folder made beforehand, and one still to be made (a recursive mkdir there says ENOENT).
        for (const data of [join(roMount, 'archive-bot'), join(roMount, 'not-made-yet')]) {
          const { code, stderr } = await start(data, undefined);
          expect(code, data).toBe(2);
          const lines = stderr.trim().split('\n');
          expect(lines).toHaveLength(1);
          expect(lines[0]).toContain(`数据目录 ${data} 在只读的文件系统上（EROFS）`);
          expect(lines[0]).toContain(
            `systemctl edit archive-bot，加上 [Service] 和 ReadWritePaths=${data} 两行`,
          );
          expect(lines[0]).toMatch(/不是服务时请检查挂载。$/);
        }
      } finally {
        spawnSync('umount', [roMount]);
        rmSync(roMount, { recursive: true, force: true });
      }
    },
  );
});
