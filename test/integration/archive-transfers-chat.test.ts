import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { packageSizeText } from '../../src/domain/package-size-text.js';
import { plainDate } from '../../src/domain/plain-date.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { filesOnDisk } from '../support/files-on-disk.js';
import { waitFor } from '../support/wait-for.js';
import { cliInProcess, handOverArgs } from '../support/cli-in-process.js';
import { localDay } from '../../src/domain/working-days.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * In the chat: 导出 records its package (who asked, sent to the chat, its size on disk, which the answer
 * says); the 更正 card of a 件 that went
 * out warns before 撤销确认 that the county archive holds it, and after it says a correction must be
 * sent there; the audit names the package.
 */
describe('transfer packages in the chat: 导出 recorded, 撤销确认 of a transferred 件 warned', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'X', clock });
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
  const valueOf = actionValue;

  it('导出 is recorded as sent to the archivist with its size on disk; 更正 warns before 撤销确认 and its result says to send the archive a correction', async () => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, messageId);
    const filed = await click(org.officer, valueOf(ack.content, 'file'), { messageId: ack.messageId });
    const fix = valueOf(filed.card.data, 'fix');
    const itemId = Number(fix.i);
    const preview = await archivistSays('确认归档');
    await click(org.archivist, valueOf(preview.content, 'confirm-archive'), { messageId: preview.messageId });
    await h.settle();
    const [record] = await waitFor('the 档号', async () => {
      const rows = await queryRows<{ code: string }>(
        h.db.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      );
      return rows.length ? rows : undefined;
    });
    const code = record!.code;

    // Before the export: 更正 offers 撤销确认 with no word of a transfer.
    expect(JSON.stringify((await click(org.archivist, fix)).card.data)).not.toContain('随移交包移交');

    await archivistSays('导出');
    await h.settle();
    // Asked in the group, the package and its answer go to the archivist directly.
    const done = await waitFor('the export’s answer', () =>
      h.fake
        .sentMessages()
        .filter((m) => m.receiveIdType === 'open_id' && m.receiveId === org.archivist && m.msgType === 'text')
        .map((m) => (m.content as { text: string }).text)
        .find((t) => t.includes('已生成')),
    );
    expect(done).toContain('移交包已生成');
    const [pkg] = await queryRows<{ id: number; actor: string; source: string; sent: string | null }>(
      h.db.db,
      sql`select id::int as id, actor, source, sent_chat_id as sent from transfer_packages`,
    );
    expect(pkg).toMatchObject({ actor: org.archivist, source: 'chat', sent: org.archivist });
    const packageId = pkg!.id;
    // Handed to the county archive the day it was made (only a handed-over package is what it holds).
    const handed = await cliInProcess(
      ['archive', ...handOverArgs(packageId, localDay(clock.now(), 'Asia/Shanghai'))],
      {},
      h.db,
    );
    expect(handed.code, handed.stderr).toBe(0);
    // Its size as recorded is what is on disk in its folder, summed here; the answer says it plainly.
    const [size] = await queryRows<{ bytes: number | string; files: number; outDir: string }>(
      h.db.db,
      sql`select bytes, files, out_dir as "outDir" from transfer_packages where id = ${pkg!.id}`,
    );
    const onDisk = filesOnDisk(size!.outDir);
    expect(onDisk.files).toBeGreaterThan(5);
    expect({ bytes: Number(size!.bytes), files: size!.files }).toEqual(onDisk);
    expect(done.split('\n')[0]).toContain(`；整个包${packageSizeText(onDisk)!}（含目录和说明文件）。`);
    expect(done).toContain(`，${onDisk.files} 个文件`);

    // Before: the card says the county archive holds it.
    const today = plainDate(clock.now(), clock.now(), 'Asia/Shanghai');
    const opened = await click(org.archivist, fix);
    expect(JSON.stringify(opened.card.data)).toContain(
      `该件已于${today}随移交包移交：撤销确认后，县档案馆保存的移交包中仍是档号 ${code}，需要向县档案馆报送更正。`,
    );
    // After: the card and the audit say a correction goes to the county archive.
    const undone = await click(org.archivist, valueOf(opened.card.data, 'fix-unconfirm'), {
      formValue: { reason: '交错了任务' },
    });
    expect(undone.toast).toEqual({
      type: 'success',
      content: `已撤销确认：档号 ${code} 停用（件号不再使用，目录中保留并注明）`,
    });
    const card = JSON.stringify(undone.card.data);
    expect(card).toContain(
      `该件已于${today}随移交包移交，县档案馆保存的移交包中仍是档号 ${code}：请向县档案馆报送更正`,
    );
    expect(card).toContain('撤下这件材料');
    const [audit] = await queryRows<{ details: any }>(
      h.db.db,
      sql`select details from audit_log where item_id = ${itemId} and action = 'unconfirm'`,
    );
    const details = typeof audit!.details === 'string' ? JSON.parse(audit!.details) : audit!.details;
    expect(details).toMatchObject({
      archivalCode: code,
      transferPackages: [pkg!.id],
      correctionToArchive: true,
    });
  });
});
