import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { buttonValue, cardButtons } from '../support/cards.js';
import { tapIn, type TapArgs } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { awakeNow, ManualClock } from '../support/manual-clock.js';
import { openIdOf } from '../support/open-ids.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

/**
 * 不用交 on a colleague's materials: the reminders send the cards of everything unfiled in the chat
 * again, a colleague's voice notes and chat pictures too, and the officer had no way to clear them
 * (「只有发材料的人或档案员可以选「不用交」」) although anyone who may file them could file them. Now
 * whoever may file the burst (a member of the bound chat, the unit's people) may set it aside; the
 * audit row and the card name who did, and the sender can choose a task again (重新选择任务).
 */
describe('不用交 by whoever may file the materials', () => {
  let h: Harness;
  let org: SeededOrg;
  let clock: ManualClock;
  const chatId = `oc_aside_${randomBytes(6).toString('hex')}`;
  const colleague = openIdOf('aside_colleague');
  const stranger = openIdOf('aside_stranger');
  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);

  beforeAll(async () => {
    clock = new ManualClock(awakeNow());
    h = await startHarness({ mode: 'webhook', clock, env: { SCHEDULER_ENABLED: 'false' } });
    org = await seedOrg(h.db.db, { prefix: 'SA', clock });
    const village = (await getUnitByCode(h.db.db, org.village))!;
    await insertBinding(h.db.db, { chatId, unitId: village.id, boundBy: null }, clock.now());
    // The colleague (never registered) is in the group; the officer is registered for the village but
    // not in this group; the stranger is neither.
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: colleague, name: '张会计' }] });
  });
  afterAll(() => h?.close());

  it('the officer sets a colleague’s photo aside; the card says who; the colleague chooses a task again', async () => {
    const photo = await postPhoto(h, { chatId, sender: colleague });
    const card = await replyAfterQuiet(h, clock, photo);
    const skip = buttonValue(card.content, 'skip');

    const refused = await click(stranger, skip, { messageId: card.messageId });
    expect(refused.toast).toMatchObject({ type: 'error', content: expect.stringContaining('不用交') });
    expect(refused.card).toBeUndefined();

    const res = await click(org.officer, skip, { messageId: card.messageId });
    expect(res.toast).toEqual({ type: 'info', content: '已标记为不用交' });
    const text = JSON.stringify(res.card.data);
    expect(text).toContain('王村官已标记为不用交（原件已保存）');
    expect(text).toContain('要交的话点「重新选择任务」');
    const audit = await queryRows<{ actor: string; action: string }>(
      h.db.db,
      sql`select actor, action from audit_log where burst_id = ${skip.b} and action in ('set_aside', 'reopen')`,
    );
    expect(audit).toEqual([{ actor: org.officer, action: 'set_aside' }]);

    // The sender disagrees: 重新选择任务 brings the tasks back.
    const again = await click(colleague, buttonValue(res.card.data, 'reopen'), { messageId: card.messageId });
    expect(cardButtons(again.card.data).some((b) => b.value?.a === 'file')).toBe(true);
  });

  it('the colleague sets their own aside: the card names them as the chat knows them', async () => {
    const photo = await postPhoto(h, { chatId, sender: colleague });
    const card = await replyAfterQuiet(h, clock, photo);
    const res = await click(colleague, buttonValue(card.content, 'skip'), { messageId: card.messageId });
    expect(JSON.stringify(res.card.data)).toContain('张会计已标记为不用交（原件已保存）');
  });
});
