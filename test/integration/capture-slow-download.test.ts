import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { postPhoto, replyAfterQuiet, tapPhotoTask, waitOnClock } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { signInCookie } from '../support/web-sign-in.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * A burst's reply does not wait for slow downloads (BURST_DOWNLOAD_WAIT_SECONDS): it says what is
 * still downloading; a file that arrives after the burst was filed joins the filing; one that never
 * arrives is told to the sender in a notice of its own.
 */
describe('capture: a slow download neither holds up the reply nor drops out of the filing', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    // A download's 8 attempts back off 5 s, 10 s, 20 s …: still downloading when the reply goes out.
    h = await startHarness({
      mode: 'webhook',
      clock,
      env: { BURST_DOWNLOAD_WAIT_SECONDS: '10', STORED_REACTION: 'off' },
    });
    org = await seedOrg(h.db.db, { prefix: 'SD', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    const village = (await getUnitByCode(h.db.db, org.village))!;
    await bindChat({ db: h.db.db, clock }, { chatId, unitId: village.id, actorOpenId: org.officer });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.fake.clearFaults();
    h.fake.assertNoUnknownRoutes();
  });

  /** Posts a photo whose download Lark answers with 503 until the faults are cleared. */
  const postSlowPhoto = async () => {
    const messageId = id('om_');
    h.fake.inject({ path: new RegExp(`/messages/${messageId}/resources/`), fault: { status: 503 } });
    return postPhoto(h, { chatId, sender: org.officer, messageId });
  };
  const textOf = (m: { content: unknown }) => JSON.stringify(m.content);
  const materialStatus = async (messageId: string) =>
    (
      await queryRows<{ status: string }>(
        h.db.db,
        sql`select status from materials where message_id = ${messageId}`,
      )
    )[0]?.status;

  it('the reply says one photo is still downloading; filed now, the photo joins the item when it arrives', async () => {
    const first = await postPhoto(h, { chatId, sender: org.officer });
    const slow = await postSlowPhoto();
    const ack = await replyAfterQuiet(h, clock, first);
    expect(textOf(ack)).toContain('收到 2 张照片');
    expect(textOf(ack)).toContain('还有 1 个正在下载，完成后自动保存');
    expect(await materialStatus(slow)).toBe('pending');

    const body = await tapPhotoTask(h, ack, { operator: org.officer, chatId });
    expect(body.toast.type).toBe('success');
    expect(JSON.stringify(body.card?.data)).toContain('另有 1 个文件还在保存，保存好后自动归入本件');
    const item = async () =>
      (
        await queryRows<{ id: number; n_photo: number; members: number }>(
          h.db.db,
          sql`select fi.id::int as id, fi.n_photo,
                (select count(*)::int from filing_item_materials m where m.item_id = fi.id) as members
              from filing_items fi join bursts b on b.id = fi.burst_id
              where b.first_message_id = ${first} and fi.undone_at is null`,
        )
      )[0]!;
    expect(await item()).toMatchObject({ n_photo: 1, members: 1 });

    // Lark answers again: the retry stores the photo, and it joins the filed item.
    h.fake.clearFaults();
    await waitOnClock(
      h,
      clock,
      'the slow photo stored',
      async () => (await materialStatus(slow)) === 'stored',
    );
    await h.settle();
    const after = await item();
    expect(after).toMatchObject({ n_photo: 2, members: 2 });
    const audit = await queryRows<{ actor: string; details: { materialId: number } }>(
      h.db.db,
      sql`select actor, details from audit_log where action = 'join_late' and item_id = ${after.id}`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe('bot');
    // The item's page names it as people read it: the bot, and what it did (not `bot`, `join_late`).
    const cookie = await signInCookie(h, { openId: org.officer, name: '王村官' });
    const page = await (await fetch(`${h.bot.url}/items/${after.id}`, { headers: { cookie } })).text();
    const trail = /<table id="audit">([\s\S]*?)<\/table>/.exec(page)![1]!;
    expect(trail).toContain('<td>归档助手</td>');
    expect(trail).toContain('<td>补入（下载完成后自动归入）</td>');
    expect(trail).not.toMatch(/join_late|>bot</);
    // Nothing else is said in the chat: the card already told the photo would follow.
    expect(h.fake.sentMessages().filter((m) => m.replyTo === first)).toHaveLength(1);
  });

  it('a photo that never arrives after the reply went out is told once, as a reply to the burst', async () => {
    const slow = await postSlowPhoto();
    const ack = await replyAfterQuiet(h, clock, slow);
    expect(textOf(ack)).toContain('还有 1 个正在下载');
    // The job's backoff passes on the test clock; its last attempt fails it.
    for (let i = 0; i < 8; i++) {
      clock.advance(10 * 60_000);
      await h.settle();
    }
    expect(await materialStatus(slow)).toBe('failed');
    const notices = () => h.fake.sentMessages().filter((m) => m.replyTo === slow && m !== ack);
    expect(notices()).toHaveLength(1);
    expect(textOf(notices()[0]!)).toContain('刚才的材料中有文件没能保存');
    expect(textOf(notices()[0]!)).toContain('以下文件多次下载失败，请重新发送：1 张照片');
    clock.advance(60 * 60_000);
    await h.settle();
    expect(notices()).toHaveLength(1);
  });

  it('a photo sent directly that Lark refuses after the reply went out (234003, recalled) is not called part of a merged forward', async () => {
    const slow = await postSlowPhoto();
    const ack = await replyAfterQuiet(h, clock, slow);
    expect(textOf(ack)).toContain('还有 1 个正在下载');
    // Meanwhile the message was recalled: Lark now refuses the file to the bot.
    h.fake.clearFaults();
    h.fake.inject({
      path: new RegExp(`/messages/${slow}/resources/`),
      fault: { code: 234003, status: 400, msg: 'file not in message' },
    });
    clock.advance(10 * 60_000);
    await h.settle();
    expect(await materialStatus(slow)).toBe('needs_reupload');
    const notices = h.fake.sentMessages().filter((m) => m.replyTo === slow && m !== ack);
    expect(notices).toHaveLength(1);
    expect(textOf(notices[0]!)).toContain('以下文件机器人无法下载（消息可能已撤回），请重新发送：1 张照片');
    expect(textOf(notices[0]!)).not.toContain('合并转发');
  });
  it('three photos Lark refuses are counted on the card, 「3 张照片」, not 「照片、照片、照片」', async () => {
    const ids = [id('om_'), id('om_'), id('om_')];
    for (const messageId of ids)
      h.fake.inject({
        path: new RegExp(`/messages/${messageId}/resources/`),
        fault: { code: 234003, status: 400, msg: 'file not in message' },
      });
    for (const messageId of ids) await postPhoto(h, { chatId, sender: org.officer, messageId });
    const ack = await replyAfterQuiet(h, clock, ids[0]!);
    expect(textOf(ack)).toContain('以下文件机器人无法下载（消息可能已撤回），请重新发送：3 张照片');
    expect(textOf(ack)).not.toContain('照片、照片');
  });
});
