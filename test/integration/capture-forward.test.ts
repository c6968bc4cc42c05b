import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessageInput } from '../support/fake-lark/server.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  downloadsOf,
  fixture,
  fixtureEvent,
  materialsOf,
  messageRow,
  repliesTo,
  replyText,
  sha256,
  smallPhoto,
  waitFor,
} from './capture-helpers.js';

const FORWARDER = 'ou_forwarder00000000000000000000001';
const [A, B, C] = ['ou_author_a', 'ou_author_b', 'ou_author_c'];

describe('capture: merged forwards', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  it('the fixture forward: children fetched with GET /messages/:id, each resource a material', async () => {
    const items = fixture('im.message.get.merge_forward.response.json').data.items as FakeMessageInput[];
    for (const item of items) h.fake.addMessage(item);
    const rootId = items[0]!.message_id;
    const image = await smallPhoto();
    const pdf = Buffer.from('%PDF-1.4\n验收单\n%%EOF\n');
    h.fake.addResource({ messageId: rootId, fileKey: 'img_v3_sub_image_key_0001', bytes: image });
    h.fake.addResource({ messageId: rootId, fileKey: 'file_v3_sub_file_key_0001', bytes: pdf });
    const ev = fixtureEvent('merge_forward', h.fake.appId, { messageId: rootId });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();

    const rows = await materialsOf(h.db.db, rootId);
    expect(rows.map((m) => [m.message_id, m.sender_open_id, m.kind, m.status, m.original_name])).toEqual([
      ['om_sub000000000000000000000000002', 'ou_aaaa0000000000000000000000000001', 'photo', 'stored', null],
      [
        'om_sub000000000000000000000000003',
        'ou_bbbb0000000000000000000000000002',
        'document',
        'stored',
        '验收单.pdf',
      ],
    ]);
    expect(rows.map((m) => m.sha256)).toEqual([sha256(image), sha256(pdf)]);
    expect(rows[0]!.sent_at).toEqual(new Date(1609070000002));
    expect(rows.every((m) => m.forward_root_id === rootId)).toBe(true);
    expect(h.fake.callsTo('GET', `/open-apis/im/v1/messages/${rootId}`)).toHaveLength(1);
    // Texts inside the forward (also the nested one) are kept as notes.
    expect(await messageRow(h.db.db, 'om_sub000000000000000000000000001')).toMatchObject({
      text: '这是现场照片',
    });
    expect(await messageRow(h.db.db, 'om_sub000000000000000000000000005')).toMatchObject({
      text: '嵌套转发里的一条',
    });
  });

  it('a nested forward: one material per child resource, original senders, both download paths', async () => {
    const chatId = 'oc_forward_chat_0001';
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      senderOpenId: FORWARDER,
      msgType: 'merge_forward',
      content: { content: 'Merged and Forwarded Message' },
    });
    const root = ev.event.message.message_id;
    const t0 = Date.now() - 86_400_000;
    const add = (
      id: string,
      upper: string | undefined,
      sender: string,
      msgType: string,
      content: object,
      i: number,
    ) =>
      h.fake.addMessage({
        message_id: id,
        chat_id: 'oc_source_chat',
        msg_type: msgType,
        create_time: String(t0 + i * 1000),
        sender: { id: sender, id_type: 'open_id', sender_type: 'user' },
        body: { content: JSON.stringify(content) },
        ...(upper ? { upper_message_id: upper } : {}),
      });
    add(root, undefined, FORWARDER, 'merge_forward', { content: 'Merged and Forwarded Message' }, 0);
    add(`${root}_c1`, root, A, 'text', { text: '危房改造现场' }, 1);
    add(`${root}_c2`, root, A, 'image', { image_key: 'img_c2' }, 2);
    add(`${root}_c3`, root, B, 'file', { file_key: 'file_c3', file_name: '验收单.pdf' }, 3);
    add(`${root}_n1`, root, B, 'merge_forward', { content: 'Merged and Forwarded Message' }, 4);
    add(`${root}_n1a`, `${root}_n1`, C, 'image', { image_key: 'img_n1a' }, 5);
    add(`${root}_n1b`, `${root}_n1`, C, 'file', { file_key: 'file_n1b', file_name: '村委会议记录.docx' }, 6);

    const [c2, c3, n1a] = [await smallPhoto(), Buffer.from('%PDF-1.7 c3'), await smallPhoto('png')];
    // c2 and n1a: the parent forward's id works (the unofficial path).
    h.fake.addResource({ messageId: root, fileKey: 'img_c2', bytes: c2 });
    h.fake.addResource({ messageId: root, fileKey: 'img_n1a', bytes: n1a });
    // c3: the parent is refused (234043), the child's own id works.
    h.fake.addResource({ messageId: root, fileKey: 'file_c3', bytes: c3, errorCode: 234043 });
    h.fake.addResource({ messageId: `${root}_c3`, fileKey: 'file_c3', bytes: c3 });
    // n1b: refused with both ids (234043, then 234003 "file not in message").
    h.fake.addResource({ messageId: root, fileKey: 'file_n1b', bytes: Buffer.from('x'), errorCode: 234043 });

    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const rows = await materialsOf(h.db.db, root);
    expect(rows.map((m) => [m.message_id, m.sender_open_id, m.parent_id, m.kind, m.status])).toEqual([
      [`${root}_c2`, A, root, 'photo', 'stored'],
      [`${root}_c3`, B, root, 'document', 'stored'],
      [`${root}_n1a`, C, `${root}_n1`, 'photo', 'stored'],
      [`${root}_n1b`, C, `${root}_n1`, 'document', 'needs_reupload'],
    ]);
    expect(rows.slice(0, 3).map((m) => m.sha256)).toEqual([c2, c3, n1a].map(sha256));
    expect(rows.map((m) => m.sent_at.getTime())).toEqual([2, 3, 5, 6].map((i) => t0 + i * 1000));
    expect(rows.every((m) => m.chat_id === chatId && m.forward_root_id === root)).toBe(true);
    expect(rows[3]!.last_error).toMatch(/23400[34]/);
    expect(downloadsOf(h.fake, 'img_c2').map((c) => c.path)).toEqual([
      `/open-apis/im/v1/messages/${root}/resources/img_c2`,
    ]);
    expect(downloadsOf(h.fake, 'file_c3').map((c) => c.path.split('/')[5])).toEqual([root, `${root}_c3`]);

    // One reply to the forward, naming what the sender must post directly.
    const reply = await waitFor('the burst reply', () => repliesTo(h.fake, root)[0]);
    expect(replyText(reply)).toMatch(/收到 2 张照片、1 个文件/);
    expect(replyText(reply)).toContain('请直接发送原文件：村委会议记录.docx');
    await h.settle();
    expect(repliesTo(h.fake, root)).toHaveLength(1);
  });

  it('a forwarded video Lark will not give: the reply names the video once, not its cover as a photo to resend', async () => {
    const chatId = 'oc_forward_chat_0002';
    const ev = messageEvent({
      appId: h.fake.appId,
      chatId,
      senderOpenId: FORWARDER,
      msgType: 'merge_forward',
      content: { content: 'Merged and Forwarded Message' },
    });
    const root = ev.event.message.message_id;
    const child = (id: string, msgType: string, content: object, i: number) =>
      h.fake.addMessage({
        message_id: id,
        chat_id: 'oc_source_chat',
        msg_type: msgType,
        create_time: String(Date.now() - 86_400_000 + i * 1000),
        sender: { id: A, id_type: 'open_id', sender_type: 'user' },
        body: { content: JSON.stringify(content) },
        ...(i > 0 ? { upper_message_id: root } : {}),
      });
    child(root, 'merge_forward', { content: 'Merged and Forwarded Message' }, 0);
    child(`${root}_p`, 'image', { image_key: 'img_v_p' }, 1);
    child(
      `${root}_v`,
      'media',
      { file_key: 'file_v', image_key: 'img_v_cover', file_name: '入户走访.mp4' },
      2,
    );
    h.fake.addResource({ messageId: root, fileKey: 'img_v_p', bytes: await smallPhoto() });
    // Neither the video nor its cover is given (234043 with the forward's id, 234003 with the child's).
    h.fake.addResource({ messageId: root, fileKey: 'file_v', bytes: Buffer.from('x'), errorCode: 234043 });
    h.fake.addResource({
      messageId: root,
      fileKey: 'img_v_cover',
      bytes: Buffer.from('x'),
      errorCode: 234043,
    });

    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const rows = await materialsOf(h.db.db, root);
    expect(rows.map((m) => [m.kind, m.role, m.status])).toEqual([
      ['photo', 'main', 'stored'],
      ['video', 'main', 'needs_reupload'],
      ['photo', 'cover', 'needs_reupload'],
    ]);
    const reply = replyText(await waitFor('the burst reply', () => repliesTo(h.fake, root)[0]));
    expect(reply).toContain('收到 1 张照片');
    expect(reply).toContain('以下合并转发中的文件机器人无法下载，请直接发送原文件：入户走访.mp4\n');
  });
});
