import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { botMembershipEvent } from '../support/events.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, taskIdOf, type WebWorld } from './web-world.js';

/**
 * A 督办 that Lark refuses for good (the bot is out of the chat) is not 「今天已督办」: the pages say
 * it did not arrive and offer it again, and pressing again the same day sends it. One that went out
 * still blocks a second.
 */
describe('督办 that was not delivered', () => {
  let w: WebWorld;
  let leader: string;
  beforeAll(async () => {
    w = await createWebWorld('WU');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(() => w?.close());

  const inVillageChat = () => w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2);
  const page = async (path: string) => (await w.get(path, leader)).text();
  const press = async () => {
    const csrf = csrfOf(await page(`/units/${w.units.village2.id}`))!;
    const res = await w.postUrge(leader, {
      unit: w.units.village2.id,
      _csrf: csrf,
      back: `/units/${w.units.village2.id}`,
    });
    expect(res.status).toBe(200);
    return res.text();
  };
  const urgeStatus = () => w.urgeStatuses(w.chats.village2);

  it('shows 督办未送达 after Lark refused it, and a second press the same day sends it', async () => {
    const task = await taskIdOf(w, w.units.village2, 'C01');
    // Lark refuses the 督办 for good: the bot was taken out of the chat (230002).
    w.h.fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      times: 1,
      fault: { code: 230002, status: 400, msg: 'Bot/User can NOT be out of the chat.' },
    });
    // Only queued when the page answers: it says so, and where a refusal will show (not 「已发出」).
    const answer = await press();
    expect(answer).toContain(
      '督办已安排发送到河口村的群里（1 个群），一般几秒内送到。' +
        '是否送到请稍后刷新河口村的页面查看：没送到会写「督办未送达」，可以再按一次。',
    );
    expect(answer).not.toContain('发出督办');
    expect(await waitFor('the 督办 closed as failed', urgeStatus, (s) => s[0] === 'failed')).toEqual([
      'failed',
    ]);
    expect(inVillageChat()).toHaveLength(0);

    // Every page that offers 督办 for 河口村 says it did not arrive, and offers it again.
    for (const path of [`/units/${w.units.village2.id}`, `/units/${w.units.township.id}`, `/tasks/${task}`]) {
      const html = await page(path);
      expect(html, path).toContain('督办未送达');
      expect(html, path).toContain('再次督办');
      expect(html, path).not.toContain('今天已督办');
    }

    // The bot is back in the chat: pressing again the same day sends it (not 「今天已经督办过」).
    const again = await press();
    expect(again).toContain('督办已安排发送到河口村的群里');
    const sent = await waitFor('the 督办 in 河口村工作群', () => {
      const list = inVillageChat();
      return list.length > 0 && list;
    });
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.content)).toContain('C01');
    expect(await waitFor('the 督办 marked sent', urgeStatus, (s) => s[0] === 'sent')).toEqual(['sent']);
    const after = await page(`/units/${w.units.village2.id}`);
    expect(after).toContain('今天已督办');
    expect(after).not.toContain('督办未送达');
    expect(after).not.toContain('action="/urge"');

    // Delivered now: a third press is the same day's 督办, and nothing more goes out.
    expect(await press()).toContain('今天已经督办过');
    await w.h.settle();
    expect(inVillageChat()).toHaveLength(1);
    const audits = await queryRows<{ n: number }>(
      w.h.db.db,
      sql`select count(*)::int as n from audit_log where action = 'urge' and unit_id = ${w.units.village2.id}`,
    );
    expect(audits).toEqual([{ n: 2 }]);
  });

  it('the bot removed from the village chat: 督办 says so, not that no chat is bound; added back, it goes', async () => {
    const { village } = w.units;
    const pressVillage = async () => {
      const csrf = csrfOf(await page(`/units/${village.id}`))!;
      const res = await w.postUrge(leader, { unit: village.id, _csrf: csrf, back: `/units/${village.id}` });
      expect(res.status).toBe(200);
      return res.text();
    };
    const membership = async (type: 'added' | 'deleted') => {
      const res = await w.h.post(
        botMembershipEvent({ appId: w.h.fake.appId, type, chatId: w.chats.village }),
      );
      expect(res.status).toBe(200);
      await w.h.settle();
    };
    await membership('deleted');
    const text = await pressVillage();
    expect(text).toContain('机器人已被移出城关村的群');
    expect(text).not.toContain('还没有绑定群聊');
    expect(await w.urgeStatuses(w.chats.village)).toEqual([]);
    // Added back: the binding resumes, and the 督办 goes out.
    await membership('added');
    expect(await pressVillage()).toContain('督办已安排发送到城关村的群里');
    await waitFor(
      'the 督办 in 城关村工作群',
      async () => (await w.urgeStatuses(w.chats.village))[0] === 'sent',
    );
  });
  it('a removal Lark delivers only after the bot was added back (a retried push) leaves the chat bound and reached', async () => {
    const { village } = w.units;
    const push = async (type: 'added' | 'deleted', createTime: Date) => {
      const res = await w.h.post(
        botMembershipEvent({ appId: w.h.fake.appId, type, chatId: w.chats.village, createTime }),
      );
      expect(res.status).toBe(200);
      await w.h.settle();
    };
    // Removed by mistake and added back a minute later; the removal's first push was not taken (the
    // database was busy), so Lark's retry brings it after the re-adding.
    const removedAt = new Date();
    await push('added', new Date(removedAt.getTime() + 60_000));
    await push('deleted', removedAt);
    expect(
      await queryRows(
        w.h.db.db,
        sql`select b.status, c.active from chat_bindings b join chats c using (chat_id)
            where b.chat_id = ${w.chats.village} and b.status <> 'ended'`,
      ),
    ).toEqual([{ status: 'active', active: true }]);
    const csrf = csrfOf(await page(`/units/${village.id}`))!;
    const res = await w.postUrge(leader, { unit: village.id, _csrf: csrf, back: `/units/${village.id}` });
    expect(await res.text()).not.toContain('机器人已被移出');
  });

  it('a village with no chat bound: 督办 says how its officers bind one', async () => {
    // 河口村's chat is bound to the township instead (its officer rebinds it): 河口村 has no chat left.
    await bindChat(
      { db: w.h.db.db, clock: w.clock },
      { chatId: w.chats.village2, unitId: w.units.township.id, actorOpenId: w.org.officer },
    );
    const before = await urgeStatus();
    const text = await press();
    expect(text).toContain('河口村还没有绑定群聊，督办发不出去');
    expect(text).toContain('在群里发送「@归档助手 绑定 河口村」');
    expect(await urgeStatus()).toEqual(before);
  });
});
