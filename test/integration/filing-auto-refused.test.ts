import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { tapCard } from '../support/chat-actions.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * Photos sent with #C01 by someone the group's member list does not (yet) hold — they joined and Lark's
 * member event has not come, or never will — are refused filing at once. Their card said 「本群还没有绑定
 * 单位…」, on a bound group, with no button: a dead end for them and their colleagues alike. Webhook in,
 * the real SDK against the fake Lark, a real database.
 */
describe('filing at once refused', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock(awakeNow());
  const chatId = id('oc_');
  const stranger = id('ou_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'AR', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  it('the card says why and offers the tasks, and a colleague files it with one tap', async () => {
    const [task] = await queryRows<{ code: string; id: number }>(
      h.db.db,
      sql`select t.code, t.id::int as id from tasks t join units u on u.id = t.unit_id
          where u.code = ${org.village} and t.state = 'open' order by t.position limit 1`,
    );
    const photo = await postPhoto(h, { chatId, sender: stranger });
    await postText(h, { chatId, sender: stranger, text: `#${task!.code} 会议照片` });
    const ack = await replyAfterQuiet(h, clock, photo);
    const text = JSON.stringify(ack.content);
    expect(text).not.toContain('本群还没有绑定单位');
    expect(text).toContain(
      '没有直接交到任务：只有城关村的工作群成员或工作人员才能交材料。本群的工作人员可以点下面的任务交。',
    );
    const offered = cardButtons(ack.content).filter((b) => b.value?.a === 'file');
    expect(offered.map((b) => Number(b.value.t))).toContain(task!.id);

    const answer = await tapCard(h, {
      operator: org.officer,
      value: offered.find((b) => Number(b.value.t) === task!.id)!.value,
      chatId,
      messageId: ack.messageId,
    });
    expect(answer.toast.type).toBe('success');
    const [filed] = await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from filing_items where chat_id = ${chatId} and task_id = ${task!.id} and undone_at is null`,
    );
    expect(filed!.n).toBe(1);
  });
});
