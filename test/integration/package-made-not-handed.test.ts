import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow, catchUpWithCommandLine } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * A 移交包 made (已生成) by 导出 in the chat and perhaps handed over, its handover never recorded: a 著录
 * change or 撤销确认 of a 件 it carries says so, naming it, so the handover is recorded first (else the
 * change would be owed to the county archive silently).
 */
describe('a 移交包 made but not recorded as handed over', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'MH', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          select ${chatId}, id, 'active', 'cli', ${clock.now()} from units where code = ${org.village}`,
    );
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  const archivistSays = (text: string) => sayToBot(h, { chatId, sender: org.archivist, text });

  it('a 著录 change and 撤销确认 of a 件 it carries name it: 「移交包 #N（已生成，未登记移交）含这一件」', async () => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, messageId);
    const filed = await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
    const fix = actionValue(filed.card.data, 'fix');
    const itemId = Number(fix.i);
    const preview = await archivistSays('确认归档');
    await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    await h.settle();
    await archivistSays('导出');
    await h.settle();
    const packageId = await waitFor('the export recorded as sent', async () => {
      const [p] = await queryRows<{ id: number }>(
        h.db.db,
        sql`select id::int as id from transfer_packages where sent_chat_id is not null`,
      );
      return p?.id;
    });
    const warning = `移交包 #${packageId}（已生成，未登记移交）含这一件：如果已经交给档案馆，请先登记移交`;

    // A 著录 saved on the command line says it.
    await catchUpWithCommandLine(clock);
    const described = await cliInProcess(
      ['archive', 'describe', '--item', String(itemId), '--place', '东村'],
      {},
      h.db,
    );
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toContain(warning);

    // 撤销确认 on the 更正 card says it too.
    const opened = await click(org.archivist, fix);
    const undone = await click(org.archivist, actionValue(opened.card.data, 'fix-unconfirm'), {
      formValue: { reason: '交错了任务' },
    });
    const card = JSON.stringify(undone.card.data).replaceAll('&#35;', '#');
    expect(card).toContain(warning);
    // Nothing says the county archive holds it (not recorded as handed over).
    expect(card).not.toContain('随移交包移交');
  });
});
