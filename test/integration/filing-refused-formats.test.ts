import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { taskProgress } from '../../src/db/repos/completeness.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';
import { cardButtons } from '../support/cards.js';
import { nextCreateTime, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';
import { signInCookie } from '../support/web-sign-in.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const text = (m: unknown) => JSON.stringify(m);

/** An iPhone video: a QuickTime `ftyp qt` box, then an empty `moov` and some `mdat`. */
const MOV = Buffer.concat([
  Buffer.from([0, 0, 0, 0x14]),
  Buffer.from('ftypqt  '),
  Buffer.from([0, 0, 0x02, 0]),
  Buffer.from('qt  '),
  Buffer.from([0, 0, 0, 0x08]),
  Buffer.from('moov'),
  Buffer.from([0, 0, 0x01, 0x08]),
  Buffer.from('mdat'),
  randomBytes(256),
]);
/** A zip of photos (what a phone's 「压缩」 makes). */
const zipOfPhotos = () =>
  Buffer.from(
    zipSync({
      'IMG_0001.jpg': new Uint8Array(randomBytes(64)),
      'IMG_0002.jpg': new Uint8Array(randomBytes(64)),
    }),
  );
/** A small PDF with its trailer. */
const pdf = () =>
  Buffer.from(
    `%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% ${randomBytes(8).toString('hex')}\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Root 1 0 R >>\nstartxref\n60\n%%EOF\n`,
  );

/**
 * A village officer on a phone sends files in formats the archive refuses (archive.yaml allowedFormats,
 * judged by the bytes as the 四性 check judges them): an iPhone video sent as a file (.MOV), a zip of photos, a
 * plain text notice. Each is kept, but the card names it and what to send instead, and the task it is filed to
 * stays owed (进度, 缺什么); a PDF sent next counts as before.
 */
describe('files in formats the archive refuses', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'RF' });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const postFile = async (fileName: string, bytes: Buffer) => {
    const messageId = id('om_');
    const fileKey = id('file_');
    h.fake.addResource({ messageId, fileKey, bytes });
    const res = await h.post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        messageId,
        senderOpenId: org.officer,
        msgType: 'file',
        content: { file_key: fileKey, file_name: fileName },
        createTimeMs: nextCreateTime(h),
      }),
    );
    expect(res.status).toBe(200);
    return messageId;
  };
  const taskId = async (code: string) => {
    const [row] = await queryRows<{ id: number }>(
      h.db.db,
      sql`select t.id::int as id from tasks t join units u on u.id = t.unit_id
          where u.code = ${org.village} and t.code = ${code}`,
    );
    return row!.id;
  };
  /** Files the burst answered by `ack` to task `code`, through its card's file button. */
  const fileTo = async (ack: { content: unknown; messageId: string }, code: string) => {
    const choice = cardButtons(ack.content).find((b) => b.value.a === 'file')!;
    return tapCard(h, {
      operator: org.officer,
      value: { ...choice.value, t: await taskId(code) },
      chatId,
      messageId: ack.messageId,
    });
  };

  it('names each refused file and the fix, keeps it, and leaves the document task owed; a PDF counts', async () => {
    const first = await postFile('IMG_0001.MOV', MOV);
    await postFile('照片.zip', zipOfPhotos());
    await postFile('通知.txt', Buffer.from('关于开展2026年度脱贫人口收入核查工作的通知\n各村：……\n', 'utf8'));
    const ack = await replyAfterQuiet(h, clock, first);
    const card = text(ack.content);
    // Told at once, on the card, before anything is tapped.
    expect(card).toContain(
      'IMG&#95;0001.MOV：苹果手机的视频不能这样归档，请直接以视频发送（不要以文件发送）',
    );
    expect(card).toContain('照片.zip 是压缩包，不能归档：请解压后直接发里面的照片和文件');
    expect(card).toContain('通知.txt 的格式不能归档：请转成 PDF 或 Word 再发');
    expect(card).toContain('这些文件已保存，但不计入任务');

    // Tapped to C02 (上级扶贫政策文件: documents, 1 wanted). Before: 「已交齐」, and nothing on the formats.
    const filed = await fileTo(ack, 'C02');
    expect(filed.toast.type).toBe('success');
    expect(filed.toast.content).toContain('通知.txt 的格式不能归档：请转成 PDF 或 Word 再发');
    expect(filed.toast.content).not.toContain('该项已齐全');
    const filedCard = text(filed.card!.data);
    expect(filedCard).toContain('IMG&#95;0001.MOV：苹果手机的视频不能这样归档');
    expect(filedCard).toContain('照片.zip 是压缩包，不能归档');
    expect(filedCard).toContain('通知.txt 的格式不能归档：请转成 PDF 或 Word 再发');
    expect(filedCard).toContain('要1份，交了0份，还差1份');
    // Neither told twice as 「不是文件」 (the video): its format is what keeps it out.
    expect(filedCard).not.toContain('不计入本任务');
    const c02 = await taskId('C02');
    expect(await taskProgress(h.db.db, c02)).toMatchObject({ filed: 0, missing: 1 });
    // Kept, all three, in the item (never deleted), each judged by its bytes.
    const kept = await queryRows<{ name: string; bytes_mime: string | null; format_refused: boolean }>(
      h.db.db,
      sql`select m.original_name as name, m.bytes_mime, m.format_refused from materials m
          join filing_item_materials fim on fim.material_id = m.id
          join filing_items fi on fi.id = fim.item_id and fi.undone_at is null
          where fi.task_id = ${c02} and m.status = 'stored' order by m.id`,
    );
    expect(kept).toEqual([
      { name: 'IMG_0001.MOV', bytes_mime: 'video/quicktime', format_refused: true },
      { name: '照片.zip', bytes_mime: 'application/zip', format_refused: true },
      { name: '通知.txt', bytes_mime: null, format_refused: true },
    ]);

    // 缺什么 still shows C02 owed; the task page says why its 件 adds nothing.
    const missing = text((await sayToBot(h, { chatId, sender: org.officer, text: '缺什么' })).content);
    expect(missing).toContain('上级扶贫政策文件');
    const cookie = await signInCookie(h, { openId: org.archivist, name: '李档案' });
    const html = await (await fetch(`${h.bot.url}/tasks/${c02}`, { headers: { cookie } })).text();
    const page = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(page).toContain('已交 0 / 应交 1');
    expect(page).toContain('2 份文件（格式不能归档，不计数）');

    // The control: a PDF to the same task counts, and completes it.
    const pdfMessage = await postFile('scan001.pdf', pdf());
    const pdfAck = await replyAfterQuiet(h, clock, pdfMessage);
    expect(text(pdfAck.content)).not.toContain('不能归档');
    const control = await fileTo(pdfAck, 'C02');
    expect(control.toast.type).toBe('success');
    expect(text(control.card!.data)).toContain('已交齐（要1份，交了1份）');
    expect(await taskProgress(h.db.db, c02)).toMatchObject({ filed: 1, missing: 0 });
    const after = text((await sayToBot(h, { chatId, sender: org.officer, text: '缺什么' })).content);
    expect(after).not.toContain('上级扶贫政策文件');

    // 确认归档's preview names the 件 whose files the export's 四性 check would fail.
    const preview = text((await sayToBot(h, { chatId, sender: org.archivist, text: '确认归档' })).content);
    expect(preview).toContain('1件里有格式不能归档的文件');
    expect(preview).toContain('&#35;C02 上级扶贫政策文件（收文）：IMG&#95;0001.MOV、照片.zip、通知.txt');
  });

  it('a county that adds a format to allowedFormats gets it accepted, for files stored before too', async () => {
    const first = await postFile('IMG_0002.MOV', MOV);
    const ack = await replyAfterQuiet(h, clock, first);
    const filed = await fileTo(ack, 'C25');
    expect(filed.toast.type).toBe('success');
    const c25 = await taskId('C25');
    expect(await taskProgress(h.db.db, c25)).toMatchObject({ filed: 0, missing: 1 });

    // archive.yaml now lists QuickTime; the bot restarts with it (every start reads archive.yaml).
    const yaml = join(mkdtempSync(join(tmpdir(), 'archive-yaml-')), 'archive.yaml');
    writeFileSync(
      yaml,
      readFileSync(TEST_ARCHIVE_YAML, 'utf8').replace(
        '  - video/mp4\n',
        '  - video/mp4\n  - video/quicktime\n',
      ),
    );
    await h.restart({ ARCHIVE_CONFIG: yaml });
    await waitFor('the MOV filed before counted', async () => {
      const p = await taskProgress(h.db.db, c25);
      return p!.filed === 1 && p;
    });
    // And one sent now is not refused at all.
    const again = await postFile('IMG_0003.MOV', MOV);
    const card = text((await replyAfterQuiet(h, clock, again)).content);
    expect(card).toContain('收到 1 个视频');
    expect(card).not.toContain('不能');

    // Taken off the list again: refused again, C25 owed again.
    await h.restart({ ARCHIVE_CONFIG: TEST_ARCHIVE_YAML });
    await waitFor('the MOV refused again', async () => {
      const p = await taskProgress(h.db.db, c25);
      return p!.filed === 0 && p;
    });
  });

  it('does not file a refused file at once by the #code in its caption: the card says why', async () => {
    const message = await postFile('扶贫政策通知.txt', Buffer.from('关于印发实施方案的通知\n', 'utf8'));
    await postText(h, { chatId, sender: org.officer, text: '#C02 扶贫政策通知' });
    const ack = await replyAfterQuiet(h, clock, message);
    const card = text(ack.content);
    expect(card).toContain('扶贫政策通知.txt 的格式不能归档：请转成 PDF 或 Word 再发');
    expect(card).toContain('这个文件已保存，但不计入任务');
    expect(card).toContain('格式不能归档的文件不计入');
    expect(cardButtons(ack.content).some((b) => b.value.a === 'file')).toBe(true);
  });
});
