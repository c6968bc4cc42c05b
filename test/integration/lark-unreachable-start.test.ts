import { describe, expect, it } from 'vitest';
import { webhookBotEnv } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { processTest } from '../support/process-test.js';

/**
 * Lark unreachable when the bot starts (no route to open.feishu.cn yet, DNS down): the bot goes on and
 * keeps trying, but its only word was English with the HTTP client's whole stack in the log. It says in
 * Chinese what doctor advises, the reason in one field, no stack; and it keeps running (not exit 1 or 2).
 */
describe('the bot started while Lark does not answer', () => {
  const t = processTest('archive-bot-lark-away');

  it(
    'starts, warns once in Chinese with the reason and no stack, and runs on',
    { timeout: 240_000 },
    async () => {
      const env = {
        ...webhookBotEnv(t.fake, await seededDataDir('data', { parent: t.tmp })),
        // Nothing listens on port 9 (discard): connection refused at once.
        LARK_DOMAIN: 'http://127.0.0.1:9',
      };
      const bot = t.startProcess(process.execPath, ['dist/main.js'], env);
      const { url } = await bot.started(180_000);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const warned = bot.logs().filter((l) => l.level === 40 && String(l.msg).includes('飞书'));
      expect(warned.map((l) => l.msg)).toEqual([
        '启动时连不上飞书，机器人会继续重试：检查应用凭证和本机到 127.0.0.1:9 的网络',
      ]);
      expect(warned[0]!.reason).toMatch(/ECONNREFUSED/);
      expect(JSON.stringify(warned[0])).not.toMatch(/stack| {4}at /);
      expect(bot.stdout()).not.toContain(t.fake.appSecret);
      bot.kill('SIGTERM');
      expect(await bot.exit).toBe(0);
    },
  );
});
