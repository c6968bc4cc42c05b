import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bindVillageChat } from '../support/bound-chat.js';
import { actionValue, sayToBot, tapCard, tapIn, type TapArgs } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { openIdOf } from '../support/open-ids.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const HOUR = 3600_000;

/**
 * An officer nobody registered (no row in `people`, outside Lark's contact range) files a photo: the
 * correction cards, the 查 list, the 撤销 refusal and the 申请更正 card to the archivist name them as the
 * group's member list in Lark does (刘会计), not 「群成员」 or nobody.
 */
describe('corrections name a filer and a requester nobody registered', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clerk = openIdOf(`${chatId}_clerk`);
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'NC', clock });
    await bindVillageChat(h, org, chatId, [{ openId: clerk, name: '刘会计' }]);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);

  it('the filer and the requester are named by their name in the group', async () => {
    const photo = await postPhoto(h, { chatId, sender: clerk });
    const ack = await replyAfterQuiet(h, clock, photo);
    const filed = await tapCard(h, {
      operator: clerk,
      value: actionValue(ack.content, 'file'),
      chatId,
      messageId: ack.messageId,
    });
    expect(filed.toast.type).toBe('success');

    // Another officer may not undo it: told whom to ask. Before: 「请提交人点「撤销」…」, naming nobody.
    const undo = await click(org.officer, actionValue(filed.card.data, 'undo'), { messageId: ack.messageId });
    expect(undo.toast.content).toContain('请提交人刘会计点「撤销」');

    // The archivist's 更正 card. Before: 「群成员 … 提交」.
    const fix = actionValue(filed.card.data, 'fix');
    const opened = JSON.stringify((await click(org.archivist, fix)).card.data);
    expect(opened).toContain('刘会计');
    expect(opened).not.toContain('群成员');

    // 查 lists the item with its filer. Before: 「群成员」.
    const found = JSON.stringify((await sayToBot(h, { chatId, sender: org.archivist, text: '查' })).content);
    expect(found).toContain('刘会计');
    expect(found).not.toContain('群成员');

    // Past 24 hours the clerk asks for a correction: the archivist reads who asked.
    await clock.advance(25 * HOUR);
    const form = await click(clerk, fix);
    const sent = await click(clerk, actionValue(form.card.data, 'fix-request'), {
      formValue: { text: '应该交到 C03' },
    });
    expect(sent.toast.type).toBe('success');
    expect(JSON.stringify(sent.card.data)).toContain('刘会计');
    await h.settle();
    const toArchivist = await waitFor('the request card to the archivist', () =>
      h.fake
        .sentMessages()
        .find((m) => m.receiveId === org.archivist && JSON.stringify(m.content).includes('应该交到 C03')),
    );
    const card = JSON.stringify(toArchivist.content);
    // Before: 「**群成员** 申请更正」 and 「群成员 … 提交」.
    expect(card).toContain('**刘会计** 申请更正');
    expect(card).not.toContain('群成员');
  });
});
