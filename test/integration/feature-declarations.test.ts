import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../src/bot.js';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { UNIT_ROLES } from '../../src/domain/units-people.js';
import { grantRole } from '../../src/usecases/change-role.js';
import type { FeatureModule } from '../../src/features.js';
import type { PageRoute } from '../../src/http/page-routes.js';
import { unitsFeature } from '../../src/wiring/filing.js';
import { pagesFeature } from '../../src/wiring/pages.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { commandEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { jpeg } from '../support/photos.js';
import { seedOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/** The `- \`usage\`：help` lines of a help card. */
const helpUsages = (card: unknown): string[] =>
  JSON.stringify(card)
    .split('\\n')
    .flatMap((line) => /^- `([^`]+)`：/.exec(line)?.[1] ?? []);

const ask = async (h: Harness, text: string, senderOpenId?: string) => {
  const ev = commandEvent({
    appId: h.fake.appId,
    botOpenId: h.fake.botOpenId,
    chatId: id('oc_'),
    text,
    ...(senderOpenId ? { senderOpenId } : {}),
  });
  expect((await h.post(ev)).status).toBe(200);
  return waitFor(`the answer to ${text}`, () =>
    h.fake.sentMessages().find((m) => m.replyTo === ev.event.message.message_id),
  );
};
const textOf = (m: { content: unknown }) => (m.content as { text?: string }).text ?? '';

/** Someone holding every role on a county: every command is theirs to run. */
const grantAllRoles = async (h: Harness, openId: string, prefix: string) => {
  const org = await seedOrg(h.db.db, { prefix });
  const county = (await getUnitByCode(h.db.db, org.county))!;
  for (const role of UNIT_ROLES)
    await grantRole(
      { db: h.db.db, clock: h.bot.deps.clock },
      { unitId: county.id, person: { openId, name: '全能' }, role, actor: 'cli', source: 'cli' },
    );
};

describe('features are declarations: commands, help, card actions and jobs from one registry', () => {
  let h: Harness;
  const everyRole = 'ou_decl_every_role';
  beforeAll(async () => {
    h = await startHarness();
    await grantAllRoles(h, everyRole, 'FD');
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  it('the help card lists every declared command, and every command it lists is answered', async () => {
    const declared = h.bot.features.commands.commands;
    const help = await ask(h, '帮助', everyRole);
    expect(helpUsages(help.content)).toEqual(declared.map((c) => c.usage));
    // Someone with no role sees only the commands for everyone.
    expect(helpUsages((await ask(h, '帮助')).content)).toEqual(
      declared.filter((c) => c.who === 'everyone').map((c) => c.usage),
    );
    for (const c of declared) {
      for (const word of c.words) {
        const parsed = h.bot.features.commands.parse(
          {
            messageId: 'om_x',
            chatId: 'oc_x',
            chatType: 'p2p',
            senderOpenId: 'ou_x',
            senderType: 'user',
            msgType: 'text',
            content: JSON.stringify({ text: `${word} 东村` }),
            sentAt: new Date(),
            mentions: [],
          },
          undefined,
        );
        expect(parsed?.name, word).toBe(c.name);
      }
      // Through the webhook: the first word reaches the declaring feature's handler (never 没有听懂).
      const answer = await ask(h, c.words[0]!, everyRole);
      expect(textOf(answer), c.words[0]).not.toContain('没有听懂');
      expect(textOf(answer), c.words[0]).not.toMatch(/^只有/);
    }
  });

  it('a mistyped command gets a guess at the one meant, only among those the sender may run', async () => {
    expect(textOf(await ask(h, '进渡', everyRole))).toBe(
      // In a group, as they are sent there: with the @ (a bare 「进度」 would not reach the bot).
      '没有听懂“进渡”。是要发「@归档助手 进度」吗？发送「@归档助手 帮助」查看我能做什么。',
    );
    expect(textOf(await ask(h, '到出 2026', everyRole))).toContain('是要发「@归档助手 导出」吗？');
    // 导出 is an archivist's: someone with no role is not sent towards it.
    expect(textOf(await ask(h, '到出 2026'))).toBe(
      '没有听懂“到出 2026”。发送「@归档助手 帮助」查看我能做什么。',
    );
    // Ordinary words are not stretched into a command.
    expect(textOf(await ask(h, '你好', everyRole))).not.toContain('是要发');
  });

  it('a card value that does not match its declaration gets a toast and changes nothing', async () => {
    const click = async (value: Record<string, unknown>) =>
      ((await tapCard(h, { operator: 'ou_someone', value })) as { toast: { type: string; content: string } })
        .toast;
    const audit = async () =>
      (await queryRows<{ n: number }>(h.db.db, sql`select count(*)::int as n from audit_log`))[0]!.n;
    const before = await audit();
    expect(await click({ a: 'file', b: 'x', t: 1 })).toEqual({
      type: 'error',
      content:
        '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。',
    });
    expect(await click({ a: 'fix-answer', r: 1, ok: 5 })).toEqual({
      type: 'error',
      content: '这个按钮已失效',
    });
    // Tapped in a group (a chat not known is taken for one): the command as a group needs it, with the @.
    // Before: 「请重新发送「确认归档」」, which a group does not answer without the @.
    expect(await click({ a: 'confirm-archive', u: -3, y: 2025 })).toEqual({
      type: 'error',
      content: '这个按钮已失效，请重新发送「@归档助手 确认归档」',
    });
    // In a direct chat with the bot: without the @.
    const direct = id('oc_p2p_');
    await sayToBot(h, { chatId: direct, chatType: 'p2p', sender: 'ou_someone', text: '帮助' });
    expect(
      (
        await tapCard(h, {
          operator: 'ou_someone',
          chatId: direct,
          value: { a: 'confirm-archive', u: -3, y: 2025 },
        })
      ).toast,
    ).toEqual({ type: 'error', content: '这个按钮已失效，请重新发送「确认归档」' });
    expect(await click({ a: 'no-such-action', b: 1 })).toEqual({
      type: 'error',
      content: '这个按钮已失效，请重新发送指令。',
    });
    expect(await click({ b: 1 })).toEqual({ type: 'error', content: '这个按钮已失效，请重新发送指令。' });
    expect(await audit()).toBe(before);
    expect(h.bot.metrics.value('card_actions_total', { action: 'file', result: 'refused' })).toBe(1);
  });

  it('a claimed job whose payload does not match its declaration goes dead with a clear error; the worker goes on', async () => {
    const now = new Date();
    await h.db.db.execute(
      sql`insert into jobs (kind, key, payload, run_at, max_attempts, created_at)
          values ('ack-burst', 'bad-payload', '{"burstId":"not-a-number"}'::jsonb, ${now}, 8, ${now})`,
    );
    h.bot.jobWorker.wake();
    const [row] = await waitFor(
      'the bad job to die',
      () =>
        queryRows<{ status: string; attempts: number; last_error: string }>(
          h.db.db,
          sql`select status, attempts, last_error from jobs where kind = 'ack-burst' and key = 'bad-payload'`,
        ),
      (rows) => rows[0]?.status === 'dead',
    );
    expect(row!.attempts).toBe(1);
    expect(row!.last_error).toContain('job ack-burst: payload does not match its declaration');
    expect(row!.last_error).toContain('burstId');
    // The worker is alive: the next command is answered.
    expect(textOf(await ask(h, '缺什么'))).not.toBe('');
  });
});

describe('a bot started with a subset of the features', () => {
  let h: Harness;
  const everyRole = 'ou_decl_subset_every_role';
  beforeAll(async () => {
    h = await startHarness({ features: [unitsFeature] });
    await grantAllRoles(h, everyRole, 'FS');
  });
  afterAll(() => h.close());

  it('answers only its commands, lists only them in the help card, and captures nothing', async () => {
    expect(h.bot.features.names).toEqual(['units', 'card-callbacks']);
    const help = await ask(h, '帮助', everyRole);
    expect(helpUsages(help.content)).toContain('绑定 单位名称');
    expect(helpUsages(help.content)).not.toContain('导出 [单位] [年度]');
    expect(textOf(await ask(h, '导出', everyRole))).toContain('没有听懂');

    const chatId = id('oc_');
    const messageId = id('om_');
    const key = id('img_');
    h.fake.addResource({ messageId, fileKey: key, bytes: await jpeg(1), contentType: 'image/jpeg' });
    await h.post(
      messageEvent({ appId: h.fake.appId, chatId, messageId, msgType: 'image', content: { image_key: key } }),
    );
    await h.settle();
    const rows = await queryRows(h.db.db, sql`select 1 from materials where message_id = ${messageId}`);
    expect(rows).toHaveLength(0);
  });

  it('serves the page routes its features declare; two features declaring one route refuse to start', async () => {
    // This subset has no pages feature: its sign-in page is not there.
    expect((await fetch(`${h.bot.url}/auth/login`, { redirect: 'manual' })).status).toBe(404);
    const route = (path: string, body: string): PageRoute => ({
      method: 'GET',
      path,
      who: 'public',
      summary: body,
      handler: async (c) => {
        c.koa.body = `${body} ${c.params.id ?? ''}`.trim();
      },
    });
    const hello: FeatureModule = () => ({ name: 'hello', routes: [route('/hello/:id', '你好')] });
    const bot = await startBot(h.config, { database: h.db, features: [pagesFeature, hello] });
    try {
      expect(await (await fetch(`${bot.url}/hello/7`)).text()).toBe('你好 7');
      expect((await fetch(`${bot.url}/auth/login`, { redirect: 'manual' })).status).toBe(302);
      // The archive feature's 编研 pages come with that feature only.
      expect((await fetch(`${bot.url}/units/1/album`, { redirect: 'manual' })).status).toBe(404);
    } finally {
      await bot.stop();
    }
    const again: FeatureModule = () => ({ name: 'search-again', routes: [route('/search', '搜索')] });
    await expect(startBot(h.config, { database: h.db, features: [pagesFeature, again] })).rejects.toThrow(
      'page route "GET /search" is declared twice (features "pages" and "search-again")',
    );
  });

  it('refuses to start when two features declare the same name', async () => {
    await expect(
      startBot(h.config, { database: h.db, features: [unitsFeature, unitsFeature] }),
    ).rejects.toThrow('feature "units" is declared twice');
  });
});
