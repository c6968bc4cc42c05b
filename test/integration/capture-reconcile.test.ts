import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { RECONCILE_JOB } from '../../src/domain/job-types.js';
import { botMembershipEvent, messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  materialsOf,
  messageRow,
  repliesTo,
  replyText,
  sha256,
  smallPhoto,
  waitFor,
} from './capture-helpers.js';

const CHAT = 'oc_reconcile_chat_0001';
const OFFICER = 'ou_officer_reconcile_01';
const HOUR = 3_600_000;

describe('capture: reconciliation picks up messages missed while the bot was offline', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook' });
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  let sweeps = 0;
  /** Runs one reconciliation job (as the periodic timer would enqueue it) and waits for its effects. */
  const sweep = async () => {
    const now = new Date();
    await enqueueJob(h.db.db, { type: RECONCILE_JOB, key: `test-${++sweeps}`, payload: {}, runAt: now }, now);
    await h.settle();
    await h.settle();
  };
  const reconciledEvents = async () =>
    queryRows<{ message_id: string; status: string }>(
      h.db.db,
      sql`select message_id, status from inbound_events where source = 'reconcile' order by message_id`,
    );
  const userMessage = (id: string, msgType: string, content: object, createTime: number) =>
    h.fake.addMessage({
      message_id: id,
      chat_id: CHAT,
      msg_type: msgType,
      create_time: String(createTime),
      sender: { id: OFFICER, id_type: 'open_id', sender_type: 'user' },
      body: { content: JSON.stringify(content) },
    });

  it('records missed messages through the live path, once, counting its API calls', async () => {
    // The bot knows the chat (it was added), and saw one message live.
    expect(
      (await h.post(botMembershipEvent({ appId: h.fake.appId, type: 'added', chatId: CHAT }))).status,
    ).toBe(200);
    const live = messageEvent({
      appId: h.fake.appId,
      chatId: CHAT,
      senderOpenId: OFFICER,
      content: { text: '开始' },
    });
    userMessage(live.event.message.message_id, 'text', { text: '开始' }, Date.now() - 3 * HOUR);
    expect((await h.post(live)).status).toBe(200);
    await h.settle();

    // Offline: what was posted meanwhile never reaches the webhook.
    await h.bot.stop();
    const photo = await smallPhoto();
    const doc = Buffer.from('%PDF-1.4 补录的验收单');
    const t = Date.now() - 2 * HOUR;
    userMessage('om_missed_photo', 'image', { image_key: 'img_missed' }, t);
    userMessage('om_missed_file', 'file', { file_key: 'file_missed', file_name: '验收单.pdf' }, t + 1000);
    userMessage('om_missed_text', 'text', { text: '以上是张三家的验收材料' }, t + 2000);
    for (let i = 0; i < 50; i++)
      userMessage(`om_missed_note_${i}`, 'text', { text: `备注 ${i}` }, t + 3000 + i);
    userMessage('om_too_old', 'image', { image_key: 'img_old' }, Date.now() - 13 * HOUR);
    h.fake.addResource({ messageId: 'om_missed_photo', fileKey: 'img_missed', bytes: photo });
    h.fake.addResource({ messageId: 'om_missed_file', fileKey: 'file_missed', bytes: doc });
    // A slow download: the recovered burst (sent 2 h ago) must still wait for it before its reply.
    h.fake.inject({ path: /\/resources\/file_missed$/, times: 1, fault: { delayMs: 1500 } });
    await h.restart();

    const listCalls = () => h.fake.callsTo('GET', '/open-apis/im/v1/messages').length;
    const callsBefore = listCalls();
    await sweep();
    await waitFor('the missed materials', async () => {
      const rows = [
        ...(await materialsOf(h.db.db, 'om_missed_photo')),
        ...(await materialsOf(h.db.db, 'om_missed_file')),
      ];
      return rows.length === 2 && rows.every((m) => m.status === 'stored');
    });
    const [p] = await materialsOf(h.db.db, 'om_missed_photo');
    const [f] = await materialsOf(h.db.db, 'om_missed_file');
    expect(p).toMatchObject({ chat_id: CHAT, sender_open_id: OFFICER, kind: 'photo', sha256: sha256(photo) });
    expect(p!.sent_at).toEqual(new Date(t));
    expect(f).toMatchObject({ original_name: '验收单.pdf', sha256: sha256(doc), sender_open_id: OFFICER });
    expect(await messageRow(h.db.db, 'om_missed_text')).toMatchObject({ text: '以上是张三家的验收材料' });

    const recovered = await reconciledEvents();
    expect(recovered).toHaveLength(53); // photo, file, text and 50 notes — not the live one, not the bot's own
    expect(recovered.every((e) => e.status === 'done')).toBe(true);
    expect(recovered.map((e) => e.message_id)).not.toContain(live.event.message.message_id);
    expect(await messageRow(h.db.db, 'om_too_old')).toBeUndefined(); // older than the look-back
    // 54 items in the window: two pages of 50.
    expect(listCalls() - callsBefore).toBe(2);
    expect(h.bot.metrics.value('reconcile_api_calls_total')).toBe(2);
    expect(h.bot.metrics.value('reconcile_recovered_total')).toBe(53);

    const reply = await waitFor('the burst reply', () => repliesTo(h.fake, 'om_missed_photo')[0]);
    expect(replyText(reply)).toContain('收到 1 张照片、1 个文件');
    expect(replyText(reply)).not.toContain('正在下载');

    // A second sweep finds nothing new and downloads nothing.
    const downloads = h.fake.callsTo('GET', /\/resources\//).length;
    await sweep();
    expect(await reconciledEvents()).toHaveLength(53);
    expect(h.fake.callsTo('GET', /\/resources\//)).toHaveLength(downloads);
    expect(await materialsOf(h.db.db, 'om_missed_photo')).toHaveLength(1);
    expect(h.bot.metrics.value('reconcile_api_calls_total')).toBe(4);
    expect(h.bot.metrics.value('reconcile_recovered_total')).toBe(53);
  });
});
