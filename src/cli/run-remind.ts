import { claimSends } from '../db/repos/schedule-sends.js';
import { getUnitByCode } from '../db/repos/units.js';
import { localDay } from '../domain/working-days.js';
import { buildReminders } from '../usecases/build-reminders.js';
import { cliWorkingCalendar } from './cli-calendar.js';
import { saidServiceSettingsUnread } from './no-database.js';
import { openCliDb } from './open-cli-db.js';
import type { CliIo } from './run-cli.js';
import { exitCodeOf } from './run-main.js';
import { parseScheduleCli } from './schedule-cli-args.js';
import type { WriteContext } from './write-refused.js';

const USAGE = `用法: npm run remind -- [--dry-run] [--unit CODE] [--at ISO-TIME]
  --dry-run   只打印将要发送的群提醒和给领导的逾期未交齐私信（文字 + 卡片 JSON），不发送、不写数据库
  --unit      只看这个单位的群提醒和它的领导收到的逾期未交齐私信
  --at        按这个时刻计算（默认现在；不带时区按 TZ，默认 Asia/Shanghai），如 2026-11-26T09:00
不带 --dry-run：认领并排入今天的提醒（与定时任务同一认领，不会重复发送），由运行中的机器人发送。`;

/**
 * What each send is, as the bot sends it: the village chat's 「⏰ 交材料提醒」 and the leader's direct
 * message 「⚠️ 逾期未交齐」 (the escalation; it used to be called 督办 here, which is the pages' button
 * that sends a village chat 「📌 督办」, never part of this run).
 */
const SEND_LABEL: Record<string, string> = {
  reminder: '群提醒',
  escalation: '给领导的逾期未交齐私信',
  unforwarded: '私聊材料提醒（私聊发来、还没发到工作群的材料）',
};

/**
 * `npm run remind` (`argv` without node and the script): what today's reminders are, or send them
 * now (once). Returns the exit code: 0, 1, 2 usage. remind.ts exits with it; a test may call it in
 * its own process (on `io.database` when given).
 */
export function runRemind(argv: readonly string[], io: CliIo): Promise<number> {
  const where: WriteContext = {};
  return exitCodeOf(
    async () => {
      const parsed = parseScheduleCli(argv, io, USAGE, 'unit');
      if (typeof parsed === 'number') return parsed;
      // On a server without the service's settings: the program's ./data and shipped schedules.yaml.
      if (saidServiceSettingsUnread(io, ['dist/cli/remind.js', ...argv].join(' '))) return 1;
      const { cli, settings, at } = parsed;
      where.dataDir = cli.dataDir;
      const tz = settings.timeZone;
      const calendar = cliWorkingCalendar(cli, (l) => io.err(l));
      const database = io.database ?? (await openCliDb(cli, io.err));
      try {
        const db = database.db;
        const day = localDay(at, tz);
        if (!calendar.isWorkingDay(day)) {
          io.out(
            `${day} 不是工作日${calendar.dayName(day) ? `（${calendar.dayName(day)}）` : ''}：这天不发提醒。`,
          );
          return 0;
        }
        const unit = parsed.filter ? await getUnitByCode(db, parsed.filter) : undefined;
        if (parsed.filter && !unit) {
          io.err(`单位编码不存在: ${parsed.filter}`);
          return 1;
        }
        const sends = await buildReminders(db, at, { timeZone: tz, ...settings.reminders }, calendar, {
          unitId: unit?.id,
          text: true,
        });
        if (parsed.dryRun) {
          for (const s of sends) {
            io.out(`\n── ${SEND_LABEL[s.kind] ?? s.kind} → ${s.receiveIdType} ${s.receiveId}（${s.period}）`);
            io.out(s.text ?? '');
            io.out(JSON.stringify(JSON.parse(s.content), null, 2));
          }
          const n = (k: string) => sends.filter((s) => s.kind === k).length;
          io.out(
            `\n${day}：${n('reminder')} 条${SEND_LABEL.reminder}，${n('escalation')} 条${SEND_LABEL.escalation}` +
              `${n('unforwarded') > 0 ? `，${n('unforwarded')} 条私聊材料提醒` : ''}（演练，未发送）`,
          );
          return 0;
        }
        const now = new Date();
        const claimed = await claimSends(db, sends, {
          now,
          startAt: now,
          perSecond: settings.sending.perSecond,
        });
        io.out(`${day}：${sends.length} 条中新排入 ${claimed} 条（其余今天已排过），运行中的机器人会发送。`);
        return 0;
      } finally {
        if (!io.database) await database.close();
      }
    },
    io.err,
    where,
  );
}
