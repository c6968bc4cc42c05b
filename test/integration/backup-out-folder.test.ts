import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/bot-process.js';
import { NOBODY, nodeForNobody, runCompiled } from '../support/node-for-nobody.js';

/**
 * On a server the backup runs as the service user (README: sudo -u archive-bot … backup --out
 * /srv/backup/archive-DATE), and /srv belongs to root: the backup could not make its folder and said
 * only "Failed: EACCES: permission denied, mkdir '/srv/backup'". Root ignores permission bits, so as
 * root the compiled CLI runs as `nobody` (uid 65534), for whom the parent is not writable.
 */
describe('a backup folder the backup’s user may not make', () => {
  const asNobody = process.getuid?.() === 0 ? NOBODY : undefined;
  const user = asNobody ? 'nobody' : userInfo().username;
  let tmp: string;
  let srv: string;
  let node = process.execPath;
  let cleanup = () => {};
  beforeAll(() => {
    ensureBuilt();
    if (asNobody) ({ node, cleanup } = nodeForNobody());
    tmp = mkdtempSync(join(tmpdir(), 'archive-bot-backup-out-'));
    chmodSync(tmp, 0o755);
    srv = join(tmp, 'srv');
    mkdirSync(srv, { mode: 0o755 });
    if (!asNobody) chmodSync(srv, 0o555);
  }, 300_000);
  afterAll(() => {
    chmodSync(srv, 0o755);
    rmSync(tmp, { recursive: true, force: true });
    cleanup();
  });

  /** The compiled CLI's backup as the unprivileged user: its exit code and standard error. */
  const backup = (out: string) =>
    runCompiled(
      node,
      'cli/main.js',
      ['backup', '--out', out],
      { HOME: tmp, DATA_DIR: join(tmp, 'data') },
      asNobody !== undefined,
      repoRoot,
    );

  it(
    'says which folder, why, and what to do, in one line; exit 1, nothing made',
    { timeout: 90_000 },
    async () => {
      const out = join(srv, 'backup', 'archive-2026-12-05');
      const { code, stderr } = await backup(out);
      expect(stderr.trim()).toBe(
        `备份目录 ${out} 写不进去：运行备份的用户 ${user} 没有权限写入 ${join(srv, 'backup')} 的上级目录（EACCES）。` +
          `请先以 root 建好备份用的目录并交给这个用户，例如 install -d -o ${user} -m 750 ${join(srv, 'backup')}，或换一个目录`,
      );
      expect(code).toBe(1);
      expect(readdirSync(srv)).toEqual([]);
      expect(existsSync(join(tmp, 'data'))).toBe(false);
    },
  );

  /**
   * `--out /srv/archive-2026-12-06` beside root's folders: the advice named the dated folder, so the
   * next day's backup was refused again (and a chown of /srv would hand root's folder over). It names
   * a folder for the backups inside the parent, and the --out to use.
   */
  it(
    'a dated folder in a parent that exists: names a folder for backups in it and the --out',
    { timeout: 90_000 },
    async () => {
      const out = join(srv, 'archive-2026-12-06');
      const { code, stderr } = await backup(out);
      const own = join(srv, 'archive-bot-backups');
      expect(stderr.trim()).toBe(
        `备份目录 ${out} 写不进去：运行备份的用户 ${user} 没有权限写入 ${out} 的上级目录（EACCES）。` +
          `请先以 root 在 ${srv} 里建一个备份用的目录并交给这个用户，例如 install -d -o ${user} -m 750 ${own}，` +
          `再用 --out ${join(own, 'archive-2026-12-06')}；或换一个目录`,
      );
      expect(code).toBe(1);
      expect(readdirSync(srv)).toEqual([]);
    },
  );
});
