import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { tapCard } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buttonValue } from '../support/cards.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

describe('undo of a filing after 24 hours', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'U', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          select ${chatId}, id, 'active', 'cli', ${clock.now()} from units where code = ${org.village}`,
    );
  });
  afterAll(() => h.close());

  const click = (operator: string, value: Record<string, unknown>, messageId?: string) =>
    tapCard(h, { operator, value, chatId, messageId });

  it('is refused for the filer after 24 h (an archivist can still correct it)', async () => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer, seed: 7 });
    const ack = await replyAfterQuiet(h, clock, messageId);
    const fileValue = buttonValue(ack.content, 'file');
    const filed = await click(org.officer, fileValue, ack.messageId);
    expect(filed.toast.type).toBe('success');
    const undoValue = buttonValue(filed.card.data, 'undo');

    clock.advance(25 * 3600_000);
    // 撤销 on the card drawn within the 24 hours asks nothing more: the filed card, with 申请更正.
    const asked = await click(org.officer, undoValue, ack.messageId);
    expect(asked.toast.content).toContain('24 小时');
    expect(JSON.stringify(asked.card.data)).not.toContain('确定撤销');
    expect(JSON.stringify(asked.card.data)).toContain('申请更正');
    // 确定撤销 from a question asked before then is refused too.
    const late = await click(org.officer, { ...undoValue, sure: 1 }, ack.messageId);
    expect(late.toast.type).toBe('error');
    expect(late.toast.content).toContain('24 小时');
    const [row] = await queryRows<{ undone: boolean }>(
      h.db.db,
      sql`select undone_at is not null as undone from filing_items where id = ${undoValue.i}`,
    );
    expect(row?.undone).toBe(false);
  });
});
