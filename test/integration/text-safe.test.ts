import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { z } from 'zod';
import { defineJob } from '../../src/domain/job-type.js';
import { claimDue, fail } from '../../src/db/repos/queue.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { botMembershipEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';
import { waitFor } from './capture-helpers.js';

/**
 * Issue 12 point 5: characters PostgreSQL or XML cannot hold (NUL, U+FFFE, …) never make a
 * message impossible to record, an error impossible to store or a sheet malformed. They become
 * U+FFFD where they arrive, and are counted.
 */
/** A job kind no feature handles (claimed and failed by hand). */
const TEST_NUL_JOB = defineJob({ name: 'test-nul', payload: z.object({}) });

describe('text safe for every store: NUL through the fake Lark and a real database', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
  });
  afterAll(() => h.close());

  it('records a text "说明\\u0000文字" and a file "a\\u0000b.pdf", with U+FFFD where the NUL was', async () => {
    const chatId = 'oc_nul_chat_000000000001';
    const text = messageEvent({ appId: h.fake.appId, chatId, content: { text: '说明\u0000文字' } });
    const file = messageEvent({
      appId: h.fake.appId,
      chatId,
      msgType: 'file',
      content: { file_key: 'file_v3_nul_0001', file_name: 'a\u0000b.pdf' },
    });
    h.fake.addResource({
      messageId: file.event.message.message_id,
      fileKey: 'file_v3_nul_0001',
      bytes: minimalPdf(1),
      fileName: 'a.pdf',
    });
    expect((await h.post(text)).status).toBe(200);
    expect((await h.post(file)).status).toBe(200);
    await h.settle();
    const events = await queryRows<{ status: string }>(
      h.db.db,
      sql`select status from inbound_events where message_id in
            (${text.event.message.message_id}, ${file.event.message.message_id})`,
    );
    expect(events.map((e) => e.status)).toEqual(['done', 'done']);
    const [msg] = await queryRows<{ text: string }>(
      h.db.db,
      sql`select text from messages where message_id = ${text.event.message.message_id}`,
    );
    expect(msg?.text).toBe('说明\ufffd文字');
    const m = await waitFor(
      'the file material stored',
      async () => {
        const [row] = await queryRows<{ original_name: string; status: string }>(
          h.db.db,
          sql`select original_name, status from materials where message_id = ${file.event.message.message_id}`,
        );
        return row;
      },
      (r) => r?.status === 'stored',
    );
    expect(m?.original_name).toBe('a\ufffdb.pdf');
    expect(h.bot.metrics.value('text_characters_replaced_total', { where: 'message' })).toBe(2);
  });

  it('an HTML page sent as "报告.pdf" is recorded as text/html (the bytes win over the name)', async () => {
    const ev = messageEvent({
      appId: h.fake.appId,
      msgType: 'file',
      content: { file_key: 'file_v3_html_0001', file_name: '报告.pdf' },
    });
    h.fake.addResource({
      messageId: ev.event.message.message_id,
      fileKey: 'file_v3_html_0001',
      bytes: Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'),
      contentType: 'application/pdf',
      fileName: '报告.pdf',
    });
    expect((await h.post(ev)).status).toBe(200);
    const m = await waitFor(
      'the material stored',
      async () =>
        (
          await queryRows<{ sniffed_mime: string; status: string }>(
            h.db.db,
            sql`select sniffed_mime, status from materials where message_id = ${ev.event.message.message_id}`,
          )
        )[0],
      (r) => r?.status === 'stored',
    );
    expect(m?.sniffed_mime).toBe('text/html');
  });

  it('an envelope carrying a real NUL (jsonb refuses U+0000) is acknowledged and recorded', async () => {
    const ev = botMembershipEvent({
      appId: h.fake.appId,
      type: 'added',
      chatId: 'oc_nul_chat_2',
      name: '东村\u0000群',
    });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const [chat] = await queryRows<{ name: string }>(
      h.db.db,
      sql`select name from chats where chat_id = 'oc_nul_chat_2'`,
    );
    expect(chat?.name).toBe('东村\ufffd群');
    expect(h.bot.metrics.value('text_characters_replaced_total', { where: 'event' })).toBe(1);
  });

  it('a failure whose error text holds a NUL is recorded (sanitised), not lost', async () => {
    const now = new Date();
    h.bot.jobWorker.pause();
    try {
      await enqueueJob(h.db.db, { type: TEST_NUL_JOB, key: 'k1', payload: {}, runAt: now }, now);
      const [row] = (await claimDue(h.db.db, 'jobs', 'test-worker', 10, now)).filter(
        (r) => r.type === 'test-nul',
      );
      const status = await fail(
        h.db.db,
        'jobs',
        { id: row!.id, attempts: row!.attempts, workerId: 'test-worker' },
        { error: 'PostgresError: invalid byte in "a\u0000b.pdf"', now, maxAttempts: 8 },
      );
      expect(status).toBe('pending');
      const [stored] = await queryRows<{ last_error: string }>(
        h.db.db,
        sql`select last_error from jobs where id = ${row!.id}`,
      );
      expect(stored?.last_error).toBe('PostgresError: invalid byte in "a\ufffdb.pdf"');
    } finally {
      await h.db.db.execute(sql`delete from jobs where kind = 'test-nul'`);
      h.bot.jobWorker.start();
    }
  });
});

describe('text safe for every format: the Excel catalogue gets the XML writer’s filter', () => {
  let f: ArchiveFixture;
  let out: string;
  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-text-safe-'));
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('a caption with U+FFFE and a control character exports, and the xlsx reads back', async () => {
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }], {
      title: '会议\ufffe记录\u0007一',
    });
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: join(out, 'bag') },
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'bag', '其他', '归档文件目录.xlsx'));
    const cells: string[] = [];
    wb.eachSheet((sheet) =>
      sheet.eachRow((row) => row.eachCell((c) => void cells.push(String(c.value ?? '')))),
    );
    // A title not taken from the document itself is bracketed (DA/T 22).
    expect(cells).toContain('[会议记录一]');
  });
});
