import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, webhookBotEnv } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../support/events.js';
import { signedRequest } from '../support/lark-sign.js';
import { processTest } from '../support/process-test.js';

/**
 * WEBHOOK_MAX_AGE_SECONDS below 8 hours was accepted by older versions; since the 8-hour floor such a
 * .env made the upgraded bot refuse to start (exit 2), leaving the county without its bot on upgrade
 * day. It now starts with the floor applied, says so in its log and on the check-up's 配置 line.
 */
describe('an older .env with WEBHOOK_MAX_AGE_SECONDS below 8 hours', () => {
  const t = processTest('archive-bot-max-age');
  const warning =
    'WEBHOOK_MAX_AGE_SECONDS=3600 小于 28800（8 小时），已按 28800 运行：飞书对没应答的推送会重试约 7 小时，' +
    '时间更短会拒收这些重试，消息就丢了。请把 .env 里这一行改为 WEBHOOK_MAX_AGE_SECONDS=28800，或删掉它。';

  it(
    'the bot starts at 28800 with a warning in its log, takes a 2-hour-old retry, and doctor shows ! 配置',
    { timeout: 240_000 },
    async () => {
      const env = {
        ...webhookBotEnv(t.fake, await seededDataDir('data', { parent: t.tmp })),
        WEBHOOK_MAX_AGE_SECONDS: '3600',
      };
      const bot = t.startProcess(process.execPath, [join(repoRoot, 'dist/main.js')], env, t.tmp);
      const { url } = await bot.started(180_000);
      // Started outside the program's folder: no config/ there, and the log says so in Chinese too.
      expect(
        bot
          .logs()
          .filter((l) => l.level === 40)
          .map((l) => l.msg),
      ).toEqual([
        warning,
        '没有找到提醒和周报的设置文件 config/schedules.yaml：按默认设置运行',
        '档案设置没有读到（读不到档案设置文件 config/archive.yaml）：确认归档和导出暂不可用',
      ]);

      // Lark's retry of a push first sent two hours ago: inside 28800 s, so it is recorded (200), not 401.
      const ev = messageEvent({ appId: t.fake.appId, msgType: 'text', content: { text: '补传' } });
      const twoHoursAgo = Math.floor(Date.now() / 1000) - 2 * 3600;
      const req = signedRequest(ev, TEST_ENCRYPT_KEY, { timestampSeconds: twoHoursAgo });
      expect((await fetch(`${url}/lark/events`, { method: 'POST', ...req })).status).toBe(200);

      const doctor = await runCli(['doctor'], env, { cwd: t.tmp });
      expect(doctor.stdout).toContain(`! 配置：${warning}`);
      // No PUBLIC_URL and HOST=127.0.0.1: the log at start and doctor (!) both say no other computer's
      // browser reaches the bot, and how to change that.
      const note = '未设置 PUBLIC_URL，且 HOST=127.0.0.1 只在本机监听：别的电脑的浏览器打不开网页。';
      expect(doctor.stdout).toContain(`! 网页登录：${note}`);
      expect(bot.logs().some((l) => l.level === 30 && l.msg.startsWith(note))).toBe(true);
      bot.kill('SIGTERM');
      expect(await bot.exit).toBe(0);
    },
  );
});
