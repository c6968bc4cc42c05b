import { parseArgs } from 'node:util';
import { claimSends } from '../db/repos/schedule-sends.js';
import { isoWeek, localDay, parseInstant } from '../domain/working-days.js';
import { readEnv } from '../env.js';
import { errorMessage } from '../errors.js';
import { loadScheduleSettings } from '../scheduler/schedule-settings.js';
import { buildDigests } from '../usecases/build-digest.js';
import { openCliDb } from './open-cli-db.js';

const USAGE = `用法: npm run digest -- [--dry-run] [--leader OPEN_ID] [--at ISO-TIME]
  --dry-run   只打印周报（文字 + 卡片 JSON），不发送、不写数据库
  --leader    只看这位领导（open_id）的周报
  --at        按这个时刻计算（默认现在；不带时区按 TZ，默认 Asia/Shanghai），如 2026-11-30T08:30
不带 --dry-run：记下本周快照，认领并排入本周周报（每位领导每周一次），由运行中的机器人发送。`;

/** `npm run digest`: the leaders' weekly digests, printed or sent now (once a week). */
async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        'dry-run': { type: 'boolean', default: false },
        leader: { type: 'string' },
        at: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const env = readEnv();
  const settings = loadScheduleSettings(env.SCHEDULES_FILE || undefined, env.TZ || 'Asia/Shanghai');
  const tz = settings.timeZone;
  if (args.at && !args['dry-run']) {
    // Sending "as of" another time would claim that day's (or week's) messages now, and the real
    // run would then find them taken.
    console.error(`--at 只能和 --dry-run 一起用（演练）；发送总是按现在的时间。\n\n${USAGE}`);
    return 2;
  }
  const at = args.at ? parseInstant(args.at, tz) : new Date();
  if (!at) {
    console.error(`--at ${args.at}: 不是有效的时间\n\n${USAGE}`);
    return 2;
  }
  const database = await openCliDb(env);
  try {
    const db = database.db;
    const week = isoWeek(localDay(at, tz));
    const opts = { timeZone: tz, ...settings.digest };
    if (args['dry-run']) {
      const sends = await buildDigests(db, at, opts, args.leader);
      for (const s of sends) {
        console.log(
          `\n── digest → ${s.receiveIdType} ${s.receiveId}（${s.period}，${Buffer.byteLength(s.content)} 字节）`,
        );
        console.log(s.text);
        console.log(JSON.stringify(JSON.parse(s.content), null, 2));
      }
      console.log(`\n${week}：${sends.length} 份周报（演练，未发送）`);
      return 0;
    }
    const now = new Date();
    const sends = await buildDigests(db, at, opts, args.leader);
    // No snapshot here: "last week" is what the scheduled Monday run showed (it saves the week's
    // snapshot even when this command already sent some digests).
    const claimed = await claimSends(db, sends, { now, startAt: now, perSecond: settings.sending.perSecond });
    console.log(
      `${week}：${sends.length} 份周报中新排入 ${claimed} 份（其余本周已排过），运行中的机器人会发送。`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`Failed: ${errorMessage(err)}`);
    process.exit(1);
  },
);
