import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { botMembershipEvent } from '../support/events.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

/**
 * A village that moved to a new work group the same day it was urged: the 督办 that went into (or
 * failed in) the old group does not count for the new one. The pages offer 督办 again, the press
 * reaches the new group, and afterwards the pages say 今天已督办 — never 「今天已督办」 for a group
 * that got nothing, nor 「督办未送达」 next to a press that answers 「今天已经督办过」.
 */
describe('督办 after the village changed its chat', () => {
  let w: WebWorld;
  let leader: string;
  beforeAll(async () => {
    w = await createWebWorld('WX');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(() => w?.close());

  const page = async (path: string) => (await w.get(path, leader)).text();
  const press = async (unitId: number) => {
    const csrf = csrfOf(await page(`/units/${unitId}`))!;
    const res = await w.postUrge(leader, { unit: unitId, _csrf: csrf, back: `/units/${unitId}` });
    expect(res.status).toBe(200);
    return res.text();
  };
  const urgesIn = (chatId: string) =>
    w.h.fake
      .sentMessages()
      .filter((m) => m.receiveId === chatId && JSON.stringify(m.content).includes('📌 督办'));
  /** The bot is removed from the old group and the new one is bound to the unit (as `chats bind` does). */
  const moveToNewChat = async (unitId: number, oldChat: string, name: string) => {
    const res = await w.h.post(
      botMembershipEvent({ appId: w.h.fake.appId, type: 'deleted', chatId: oldChat }),
    );
    expect(res.status).toBe(200);
    await w.h.settle();
    const chatId = `oc_new_${randomBytes(6).toString('hex')}`;
    w.h.fake.addChat({ chatId, name, members: [{ openId: w.org.officer, name: '王村官' }] });
    await bindChat({ db: w.h.db.db, clock: w.clock }, { chatId, unitId, actorOpenId: 'cli', source: 'cli' });
    return chatId;
  };
  const pages = (unitId: number) => [`/units/${unitId}`, `/units/${w.units.township.id}`];

  it('urged in the old group this morning: the new group can still be urged today, and gets it', async () => {
    const { village } = w.units;
    expect(await press(village.id)).toContain('督办已安排发送到城关村的群里');
    await waitFor('the 督办 in the old group', () => urgesIn(w.chats.village).length === 1);
    await waitFor('marked sent', async () => (await w.urgeStatuses(w.chats.village))[0] === 'sent');

    const newChat = await moveToNewChat(village.id, w.chats.village, '城关村新工作群');
    // It used to say 今天已督办 (the old group's), with no button: the new group could not be urged today.
    for (const path of pages(village.id)) {
      const html = await page(path);
      expect(html, path).toMatch(new RegExp(`name="unit"\\s+value="${village.id}"`));
      expect(html, path).not.toContain('今天已督办');
    }
    expect(await press(village.id)).toContain('督办已安排发送到城关村的群里（1 个群）');
    await waitFor('the 督办 in the new group', () => urgesIn(newChat).length === 1);
    await waitFor('marked sent', async () => (await w.urgeStatuses(newChat))[0] === 'sent');
    expect(await page(`/units/${village.id}`)).toContain('今天已督办');
    expect(urgesIn(w.chats.village)).toHaveLength(1);
  });

  it('not delivered in the old group, then sent to the new one: the pages say 今天已督办, not 督办未送达', async () => {
    const { village2 } = w.units;
    // Lark refuses it for good in the old group.
    w.h.fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      times: 1,
      fault: { code: 230002, status: 400, msg: 'Bot/User can NOT be out of the chat.' },
    });
    expect(await press(village2.id)).toContain('督办已安排发送到河口村的群里');
    await waitFor('closed as failed', async () => (await w.urgeStatuses(w.chats.village2))[0] === 'failed');
    expect(await page(`/units/${village2.id}`)).toContain('督办未送达');

    const newChat = await moveToNewChat(village2.id, w.chats.village2, '河口村新工作群');
    expect(await press(village2.id)).toContain('督办已安排发送到河口村的群里（1 个群）');
    await waitFor('the 督办 in the new group', () => urgesIn(newChat).length === 1);
    await waitFor('marked sent', async () => (await w.urgeStatuses(newChat))[0] === 'sent');
    // It used to keep saying 督办未送达 with 再次督办, whose press answered 「今天已经督办过」.
    for (const path of pages(village2.id)) {
      const html = await page(path);
      expect(html, path).toContain('今天已督办');
      expect(html, path).not.toContain('督办未送达');
    }
  });
});
