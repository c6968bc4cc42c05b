import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { botMenuEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The bot's custom menu (issue 14): Lark pushes `application.bot.menu_v6` with the item's event_key
 * when someone taps it in their direct chat with the bot; 进度, 缺什么, 未归档 and 帮助 answer there.
 */
describe('bot menu: 进度, 缺什么, 未归档 and 帮助 from the menu of the direct chat', () => {
  let h: Harness;
  let org: SeededOrg;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
    org = await seedOrg(h.db.db, { prefix: 'MN' });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const tap = async (eventKey: string, operator = org.officer) => {
    const before = h.fake.sentMessages().length;
    const res = await h.post(botMenuEvent({ appId: h.fake.appId, operatorOpenId: operator, eventKey }));
    expect(res.status).toBe(200);
    return waitFor(`the answer to ${eventKey}`, () =>
      h.fake
        .sentMessages()
        .slice(before)
        .find((m) => m.receiveId === operator),
    );
  };
  const text = (m: { content: unknown }) => JSON.stringify(m.content);

  it('each menu key (a command name or its word) answers in a direct message to whoever tapped', async () => {
    const progress = await tap('progress');
    expect(progress).toMatchObject({ receiveIdType: 'open_id', msgType: 'interactive' });
    expect(text(progress)).toContain('城关村');
    expect(text(await tap('missing'))).toContain('城关村');
    expect(text(await tap('unfiled'))).toContain('没有待交的材料');
    expect(text(await tap('help'))).toContain('未归档');
    // The Chinese word works as a key too.
    expect(text(await tap('进度'))).toContain('城关村');
  });

  it('a person with no unit is told how to go on; an unknown key gets a hint, never silence', async () => {
    expect(text(await tap('progress', 'ou_nobody_menu'))).toContain('没有找到您所在的单位');
    expect(text(await tap('no-such-item'))).toContain('这个菜单项还没有对应的功能');
  });

  it('a redelivered tap answers once', async () => {
    const ev = botMenuEvent({ appId: h.fake.appId, operatorOpenId: org.officer, eventKey: 'help' });
    const before = h.fake.sentMessages().length;
    expect((await h.post(ev)).status).toBe(200);
    expect((await h.post(ev)).status).toBe(200);
    await waitFor('the answer', () => (h.fake.sentMessages().length > before ? true : undefined));
    await h.settle();
    expect(h.fake.sentMessages().length).toBe(before + 1);
  });
});
