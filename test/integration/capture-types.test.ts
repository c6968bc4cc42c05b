import { existsSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { messageEvent, recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  blobFilesOf,
  filesUnder,
  fixtureEvent,
  materialsOf,
  messageRow,
  repliesTo,
  replyText,
  sha256,
  smallPhoto,
  waitFor,
} from './capture-helpers.js';

const SENDER = 'ou_84aad35d084aa403a838cf73ee18467';

describe('capture: every message type becomes the right materials', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const post = async (ev: unknown) => expect((await h.post(ev)).status).toBe(200);
  const serve = (messageId: string, fileKey: string, bytes: Buffer, fileName?: string) =>
    h.fake.addResource({ messageId, fileKey, bytes, ...(fileName ? { fileName } : {}) });

  it('image, file, audio and media (+ cover) fixtures are stored with sender, time and kind', async () => {
    const image = fixtureEvent('image', h.fake.appId);
    const file = fixtureEvent('file', h.fake.appId);
    const audio = fixtureEvent('audio', h.fake.appId);
    const media = fixtureEvent('media', h.fake.appId);
    const bytes = {
      image: await smallPhoto(),
      file: Buffer.from('村委会会议记录\n'),
      audio: Buffer.from('#!AMR\n' + 'a'.repeat(300)),
      video: Buffer.concat([Buffer.from('000000186674797069736f6d', 'hex'), Buffer.alloc(500, 7)]),
      cover: await smallPhoto(),
    };
    const fileKey = '75235e0c-4f92-430a-a99b-8446610223cg';
    serve(image.event.message.message_id, 'img_4adb3cc3-902b-4187-b0f1-842f67fd017g', bytes.image);
    serve(file.event.message.message_id, fileKey, bytes.file, 'test.txt');
    serve(audio.event.message.message_id, fileKey, bytes.audio);
    serve(media.event.message.message_id, fileKey, bytes.video, '测试视频.mp4');
    serve(media.event.message.message_id, 'img_xxxxxx', bytes.cover);
    for (const ev of [image, file, audio, media]) await post(ev);
    await h.settle();

    const sentAt = new Date(1609073151345);
    const [img] = await materialsOf(h.db.db, image.event.message.message_id);
    expect(img).toMatchObject({ kind: 'photo', role: 'main', status: 'stored', sha256: sha256(bytes.image) });
    expect(img).toMatchObject({ sender_open_id: SENDER, sent_at: sentAt, sniffed_mime: 'image/jpeg' });
    expect(img!.thumbnail_key).toMatch(/^thumbs\//);

    const [doc] = await materialsOf(h.db.db, file.event.message.message_id);
    expect(doc).toMatchObject({ kind: 'document', original_name: 'test.txt', status: 'stored' });
    expect(doc).toMatchObject({ declared_mime: 'text/plain', size_bytes: bytes.file.length });
    expect(doc!.sha256).toBe(sha256(bytes.file));

    const [voice] = await materialsOf(h.db.db, audio.event.message.message_id);
    expect(voice).toMatchObject({ kind: 'audio', duration_ms: 2000, status: 'stored' });
    expect(voice!.sha256).toBe(sha256(bytes.audio));

    const video = await materialsOf(h.db.db, media.event.message.message_id);
    expect(video.map((m) => [m.kind, m.role, m.status])).toEqual([
      ['video', 'main', 'stored'],
      ['photo', 'cover', 'stored'],
    ]);
    expect(video[0]).toMatchObject({
      original_name: '测试视频.mp4',
      duration_ms: 2000,
      sha256: sha256(bytes.video),
    });
    expect(video[1]!.sha256).toBe(sha256(bytes.cover));
    for (const m of [img, doc, voice, ...video]) expect(blobFilesOf(h.dataDir, m!.sha256!)).toHaveLength(1);
  });

  it('the post fixture: its img and media nodes (+ cover) are materials, its text the caption', async () => {
    const ev = fixtureEvent('post', h.fake.appId);
    const id = ev.event.message.message_id;
    serve(id, 'img_47354fbc-a159-40ed-86ab-2ad0f1acb42g', await smallPhoto());
    serve(id, 'file_v2_0dcdd7d9-fib0-4432-a519-41d25aca542j', Buffer.from('fake mp4 bytes'));
    serve(id, 'img_7ea74629-9191-4176-998c-2e603c9c5e8g', await smallPhoto());
    await post(ev);
    await h.settle();
    const rows = await materialsOf(h.db.db, id);
    expect(rows.map((m) => [m.kind, m.role, m.status])).toEqual([
      ['photo', 'main', 'stored'],
      ['video', 'main', 'stored'],
      ['photo', 'cover', 'stored'],
    ]);
    for (const m of rows) {
      expect(m.caption).toContain('我是一个标题');
      expect(m.caption).toContain('第二行:文本测试');
      expect(m.caption).toContain('@ArchiveBot');
    }
  });

  it('a locale-wrapped post with two images and a video: three materials + the cover, text as caption', async () => {
    const [a, b, cover] = [await smallPhoto(), await smallPhoto('png'), await smallPhoto()];
    const video = Buffer.from('another fake video');
    const ev = messageEvent({
      appId: h.fake.appId,
      msgType: 'post',
      content: {
        zh_cn: {
          title: '入户走访',
          content: [
            [{ tag: 'text', text: '张三家危房改造前后对比' }],
            [{ tag: 'img', image_key: 'img_before' }],
            [{ tag: 'img', image_key: 'img_after' }],
            [{ tag: 'media', file_key: 'file_walk', image_key: 'img_walk_cover' }],
          ],
        },
      },
    });
    const id = ev.event.message.message_id;
    serve(id, 'img_before', a);
    serve(id, 'img_after', b);
    serve(id, 'file_walk', video);
    serve(id, 'img_walk_cover', cover);
    await post(ev);
    await h.settle();
    const rows = await materialsOf(h.db.db, id);
    expect(rows.map((m) => [m.resource_key, m.kind, m.role, m.status])).toEqual([
      ['img_before', 'photo', 'main', 'stored'],
      ['img_after', 'photo', 'main', 'stored'],
      ['file_walk', 'video', 'main', 'stored'],
      ['img_walk_cover', 'photo', 'cover', 'stored'],
    ]);
    expect(rows.map((m) => m.sha256)).toEqual([a, b, video, cover].map(sha256));
    for (const m of rows) expect(m.caption).toBe('入户走访\n张三家危房改造前后对比');
    const reply = await waitFor('the burst reply', () => repliesTo(h.fake, id)[0]);
    // The cover is Lark's poster of the video: stored, but neither counted nor flagged as a photo.
    expect(replyText(reply)).toMatch(/收到 2 张照片、1 个视频\n有 2 张照片被压缩/);
  });

  it('text is kept; sticker, folder, share_chat and share_user are recorded as ignored, a folder answered', async () => {
    const text = fixtureEvent('text', h.fake.appId);
    const p2p = fixtureEvent('p2p_text', h.fake.appId);
    const ignored = ['sticker', 'folder', 'share_chat', 'share_user'].map((t) =>
      fixtureEvent(t, h.fake.appId),
    );
    for (const ev of [text, p2p, ...ignored]) await post(ev);
    await h.settle();
    // Kept; a greeting to Tom, it is no caption of the sender's photos (domain/chatter.ts); whom it is
    // said to is the message's mentions, not its words.
    expect(await messageRow(h.db.db, text.event.message.message_id)).toMatchObject({
      disposition: 'chatter',
      text: 'hello',
    });
    expect(await messageRow(h.db.db, p2p.event.message.message_id)).toMatchObject({ msg_type: 'text' });
    for (const ev of ignored) {
      const id = ev.event.message.message_id;
      expect(await messageRow(h.db.db, id)).toMatchObject({ disposition: 'ignored' });
      expect(await materialsOf(h.db.db, id)).toEqual([]);
    }
    const events = await queryRows<{ status: string }>(
      h.db.db,
      sql`select status from inbound_events where message_id in (${sql.join(
        [text, p2p, ...ignored].map((e) => sql`${e.event.message.message_id}`),
        sql`, `,
      )})`,
    );
    expect(events.map((e) => e.status).sort()).toEqual(Array(6).fill('done'));
    // A folder's files cannot be downloaded by a bot: its sender is told they were not kept and what
    // to do (it used to get no answer at all, as if the folder had been handed in).
    const folder = ignored[1]!.event.message.message_id;
    const [notice] = await waitFor('the answer to the folder', () => {
      const r = repliesTo(h.fake, folder);
      return r.length > 0 && r;
    });
    expect(replyText(notice)).toBe(
      '文件夹我打不开，里面的文件没有保存。请打开文件夹，选中里面的照片或文件，直接发到群里。',
    );
    for (const ev of ignored.filter((e) => e.event.message.message_id !== folder))
      expect(repliesTo(h.fake, ev.event.message.message_id)).toEqual([]);
    // Sent to the bot directly, the files are to go to the work group.
    const direct = fixtureEvent('folder', h.fake.appId, { chatId: 'oc_p2p_folder_0001' });
    direct.event.message.chat_type = 'p2p';
    await post(direct);
    await h.settle();
    const answer = await waitFor('the answer in the direct chat', () =>
      repliesTo(h.fake, direct.event.message.message_id).at(0),
    );
    expect(replyText(answer)).toContain('直接发到本村（本单位）的工作群');
    // Taken in again (Lark's redelivery, reconciliation): answered once.
    await post(fixtureEvent('folder', h.fake.appId, { messageId: folder }));
    await h.settle();
    expect(repliesTo(h.fake, folder)).toHaveLength(1);
  });

  it('a card forwarded into the group (an approval’s result) is answered: its content is not kept', async () => {
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId: 'oc_card_forward_0001',
      senderOpenId: SENDER,
      msgType: 'interactive',
      content: { title: '审批通过：低保申请', elements: [[{ tag: 'text', text: '申请人：张三' }]] },
    });
    await post(ev);
    await h.settle();
    const id = ev.event.message.message_id;
    expect(await messageRow(h.db.db, id)).toMatchObject({ disposition: 'ignored' });
    const notice = await waitFor('the answer to the card', () => repliesTo(h.fake, id).at(0));
    expect(replyText(notice)).toBe('卡片消息我保存不了。如果要交这张卡片的内容，请截图，把图片发到群里。');
  });

  it('a folder recalled before it arrives is not answered (Lark refuses a reply under a recalled message)', async () => {
    const ev = fixtureEvent('folder', h.fake.appId);
    const { message_id: messageId, chat_id: chatId } = ev.event.message;
    await post(recallEvent({ appId: h.fake.appId, messageId, chatId }));
    await h.settle();
    await post(ev);
    await h.settle();
    expect(repliesTo(h.fake, messageId)).toEqual([]);
    const jobs = await queryRows<{ status: string }>(
      h.db.db,
      sql`select status from jobs where kind = 'folder-notice' and key = ${messageId}`,
    );
    expect(jobs).toEqual([]);
  });

  it('a direct message to the bot counts too', async () => {
    const ev = fixtureEvent('image', h.fake.appId, { chatId: 'oc_p2p_direct_0001' });
    ev.event.message.chat_type = 'p2p';
    const bytes = await smallPhoto();
    serve(ev.event.message.message_id, 'img_4adb3cc3-902b-4187-b0f1-842f67fd017g', bytes);
    await post(ev);
    await h.settle();
    const [m] = await materialsOf(h.db.db, ev.event.message.message_id);
    expect(m).toMatchObject({ chat_id: 'oc_p2p_direct_0001', status: 'stored', sha256: sha256(bytes) });
  });

  it('a file named ../../etc/passwd.jpg lands inside the store; the name is only metadata', async () => {
    const hostile = '../../etc/passwd.jpg';
    const bytes = await smallPhoto();
    const ev = messageEvent({
      appId: h.fake.appId,
      msgType: 'file',
      content: { file_key: 'file_passwd', file_name: hostile },
    });
    serve(ev.event.message.message_id, 'file_passwd', bytes, hostile);
    await post(ev);
    await h.settle();
    const [m] = await materialsOf(h.db.db, ev.event.message.message_id);
    expect(m).toMatchObject({ status: 'stored', original_name: hostile, kind: 'photo' });
    const store = resolve(h.dataDir, 'files');
    const path = h.bot.blobs.localPath(m!.storage_key!)!;
    expect(path.startsWith(store + sep)).toBe(true);
    expect(basename(path)).toBe(m!.sha256);
    expect(filesUnder(h.dataDir).filter((p) => /passwd/.test(p))).toEqual([]);
    expect(existsSync(join(h.dataDir, hostile))).toBe(false);
    expect(existsSync(resolve(store, hostile))).toBe(false);
  });
});
