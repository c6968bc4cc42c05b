import { claimSends } from '../db/repos/schedule-sends.js';
import { isoWeek, localDay } from '../domain/working-days.js';
import { buildDigests } from '../usecases/build-digest.js';
import { saidServiceSettingsUnread } from './no-database.js';
import { openCliDb } from './open-cli-db.js';
import type { CliIo } from './run-cli.js';
import { exitCodeOf } from './run-main.js';
import { parseScheduleCli } from './schedule-cli-args.js';
import type { WriteContext } from './write-refused.js';

const USAGE = `用法: npm run digest -- [--dry-run] [--leader OPEN_ID] [--at ISO-TIME]
  --dry-run   只打印周报（文字 + 卡片 JSON），不发送、不写数据库
  --leader    只看这位领导（open_id）的周报
  --at        按这个时刻计算（默认现在；不带时区按 TZ，默认 Asia/Shanghai），如 2026-11-30T08:30
不带 --dry-run：认领并排入本周周报（每位领导或领导群每周一次），由运行中的机器人发送。`;

/**
 * `npm run digest` (`argv` without node and the script): the leaders' weekly digests, printed or
 * sent now (once a week). Returns the exit code: 0, 1, 2 usage. digest.ts exits with it; a test may
 * call it in its own process (on `io.database` when given).
 */
export function runDigest(argv: readonly string[], io: CliIo): Promise<number> {
  const where: WriteContext = {};
  return exitCodeOf(
    async () => {
      const parsed = parseScheduleCli(argv, io, USAGE, 'leader');
      if (typeof parsed === 'number') return parsed;
      // On a server without the service's settings: the program's ./data and shipped schedules.yaml.
      if (saidServiceSettingsUnread(io, ['dist/cli/digest.js', ...argv].join(' '))) return 1;
      const { cli, settings, at } = parsed;
      where.dataDir = cli.dataDir;
      const tz = settings.timeZone;
      const database = io.database ?? (await openCliDb(cli, io.err));
      try {
        const db = database.db;
        const week = isoWeek(localDay(at, tz));
        const opts = { timeZone: tz, ...settings.digest };
        if (parsed.dryRun) {
          const sends = await buildDigests(db, at, opts, parsed.filter);
          for (const s of sends) {
            io.out(
              `\n── digest → ${s.receiveIdType} ${s.receiveId}（${s.period}，${Buffer.byteLength(s.content)} 字节）`,
            );
            io.out(s.text ?? '');
            io.out(JSON.stringify(JSON.parse(s.content), null, 2));
          }
          io.out(`\n${week}：${sends.length} 份周报（演练，未发送）`);
          return 0;
        }
        const now = new Date();
        const sends = await buildDigests(db, at, opts, parsed.filter);
        // No snapshot here: "last week" is what the scheduled Monday run showed (it saves the week's
        // snapshot even when this command already sent some digests).
        const claimed = await claimSends(db, sends, {
          now,
          startAt: now,
          perSecond: settings.sending.perSecond,
        });
        io.out(
          `${week}：${sends.length} 份周报中新排入 ${claimed} 份（其余本周已排过），运行中的机器人会发送。`,
        );
        return 0;
      } finally {
        if (!io.database) await database.close();
      }
    },
    io.err,
    where,
  );
}
