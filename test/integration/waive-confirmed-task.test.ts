import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 免交 of a task that holds a confirmed item (a live 档号) is refused on every path — the chat command
 * and `archive waive`, which name no item, as the correction card's 免交 already was — naming each 档号
 * and saying to 撤销确认 first; once unconfirmed it is waived. Webhook in, the real SDK against the fake
 * Lark, a real database; the CLI through runCli on the bot's database.
 */
describe('免交 of a task holding a 档号', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'K', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  const say = async (text: string) =>
    JSON.stringify((await sayToBot(h, { chatId, sender: org.archivist, text })).content);
  const cli = (...args: string[]) => cliInProcess(['archive', ...args], {}, h.db);
  const fileOnePhoto = async () => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, messageId);
    const filed = await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
    expect(filed.toast.type).toBe('success');
    return Number(actionValue(filed.card.data, 'fix').i);
  };
  const taskOf = async (itemId: number) =>
    (
      await queryRows<{ code: string; state: string }>(
        h.db.db,
        sql`select t.code, t.state from filing_items fi join tasks t on t.id = fi.task_id where fi.id = ${itemId}`,
      )
    )[0]!;
  const waives = async () =>
    (
      await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from audit_log where action = 'waive'`,
      )
    )[0]!.n;

  it('the 免交 command and `archive waive` refuse, listing the 档号 and saying 撤销确认 first; the card too', async () => {
    const itemId = await fileOnePhoto();
    const preview = await sayToBot(h, { chatId, sender: org.archivist, text: '确认归档' });
    await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    await h.settle();
    const [{ code: archivalCode }] = await waitFor('the 档号', async () => {
      const rows = await queryRows<{ code: string }>(
        h.db.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      );
      return rows.length ? (rows as [{ code: string }]) : undefined;
    });
    const { code } = await taskOf(itemId);

    // The command in the village group: nothing waived, the 档号 named, 撤销确认 first.
    const said = await say(`免交 ${code} 本年度不开展`);
    expect(said).toContain(`有 1 件已确认归档，不能免交`);
    expect(said).toContain(`${archivalCode}（城关村）`);
    expect(said).toContain('请先逐件撤销确认（发送「查 档号」，在它的更正卡片上点「撤销确认」');
    expect((await taskOf(itemId)).state).toBe('open');

    // The command line: exit 1, the 档号 and the archive unconfirm to run; nothing waived.
    const res = await cli('waive', '--unit', org.village, '--task', code, '--reason', '本年度不开展');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${archivalCode}（城关村）`);
    expect(res.stderr).toContain('archive unconfirm --code 档号 --reason 原因');
    expect((await taskOf(itemId)).state).toBe('open');

    // 免交 on the correction card of another, unconfirmed item of the task: refused the same way.
    const other = await fileOnePhoto();
    expect((await taskOf(other)).code).toBe(code);
    const card = await click(org.archivist, { a: 'fix', i: other });
    const tapped = await click(org.archivist, actionValue(card.card.data, 'fix-waive'), {
      formValue: { reason: '本年度不开展' },
    });
    expect(tapped.toast.type).toBe('error');
    expect(tapped.toast.content).toContain(`${archivalCode}（城关村）`);
    expect(await waives()).toBe(0);

    // Once unconfirmed, the command waives it.
    expect((await cli('unconfirm', '--code', archivalCode, '--reason', '本年度不开展')).code).toBe(0);
    expect(await say(`免交 ${code} 本年度不开展`)).toContain('已设为免交（本年度不开展）');
    expect((await taskOf(itemId)).state).toBe('waived');
    expect(await waives()).toBe(1);
  });
});
