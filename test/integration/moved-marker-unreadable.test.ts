import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MOVED_MARKER } from '../../src/db/pglite-moved.js';
import { repoRoot, runCli, runProcess, webhookBotEnv } from '../support/bot-process.js';
import { startFakeLark } from '../support/fake-lark/server.js';

const MOVED_DAY = new Date('2026-11-20T03:00:00Z');

/**
 * `db move-to-postgres` leaves a marker that refuses a start without DATABASE_URL. A marker cut short
 * (the disk full at the move) or edited by hand was told as 「已于 ? 搬到 PostgreSQL（PostgreSQL），原来的
 * 内置数据库改名为 DATA_DIR.moved」: a date of 「?」 and a folder that never existed, beside DATA_DIR. The
 * marker's own time and the folder the move really made are named instead.
 */
describe('an unreadable move marker', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'archive-bot-moved-marker-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function cutShort(file: string): void {
    writeFileSync(file, '{"at":"2026-11-');
    utimesSync(file, MOVED_DAY, MOVED_DAY);
  }

  it(
    'in the data folder: the start and the doctor name the day and the moved folder, never a made-up path',
    { timeout: 120_000 },
    async () => {
      const dataDir = join(tmp, 'data');
      mkdirSync(join(dataDir, 'pglite.moved-20261120'), { recursive: true });
      cutShort(join(dataDir, MOVED_MARKER));
      const fake = await startFakeLark();
      try {
        const env = webhookBotEnv(fake, dataDir);
        const started = await runProcess(process.execPath, [join(repoRoot, 'dist/main.js')], env, dataDir);
        expect(started.code).toBe(2);
        const said =
          `数据目录 ${dataDir} 的档案已于 2026-11-20 用 db move-to-postgres 搬到 PostgreSQL，` +
          `原来的内置数据库改名为 ${join(dataDir, 'pglite.moved-20261120')}；`;
        expect(started.stderr).toContain(`无法启动：${said}`);
        expect(started.stderr).not.toContain(`${dataDir}.moved`);
        const doctor = await runCli(['doctor'], env);
        expect(doctor.stdout).toContain(`✗ 数据库：机器人不会启动：${said}`);

        // The moved folder deleted as README allows: the marker alone still refuses, with the folder the
        // move made on that day.
        rmSync(join(dataDir, 'pglite.moved-20261120'), { recursive: true });
        const later = await runProcess(process.execPath, [join(repoRoot, 'dist/main.js')], env, dataDir);
        expect(later.code).toBe(2);
        expect(later.stderr).toContain(`无法启动：${said}`);
      } finally {
        await fake.close();
      }
    },
  );

  it('in a folder the move could not rename: the rename to do names the move’s own folder name', async () => {
    const dataDir = join(tmp, 'not-renamed');
    mkdirSync(join(dataDir, 'pglite'), { recursive: true });
    cutShort(join(dataDir, 'pglite', MOVED_MARKER));
    const listed = await runCli(['units', 'list'], { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain(
      `${join(dataDir, 'pglite')} 里的档案已于 2026-11-20 搬到 PostgreSQL，但这个文件夹没能改名，还叫 pglite。`,
    );
    expect(listed.stderr).toContain(
      `mv ${join(dataDir, 'pglite')} ${join(dataDir, 'pglite.moved-20261120')}；`,
    );
  });
});
