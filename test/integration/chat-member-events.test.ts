import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat, deliverMemberEvent } from '../support/bound-chat.js';
import { postPhoto, replyAfterQuiet, tapPhotoTask } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

describe('people joining and leaving a chat reach the bot as events: no member-list read per tap', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_members_');
  // Standing still: every tap below is within MEMBERS_RECHECK_FLOOR_MS of the first member-list read.
  const clock = new ManualClock(awakeNow());
  const stranger = id('ou_stranger_');
  const newcomer = id('ou_newcomer_');
  const invited = id('ou_invited_');
  const officer = () => ({ openId: org.officer, name: '王村官' });
  const cards: { content: unknown; messageId: string }[] = [];
  const photos: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'ME' });
    await bindVillageChat(h, org, chatId);
    // Three filing cards, drawn before anyone taps (drawing them moves the clock past their quiet windows).
    for (const seed of [5101, 5102, 5103]) {
      const first = await postPhoto(h, { chatId, sender: org.officer, seed });
      photos.push(first);
      cards.push(await replyAfterQuiet(h, clock, first));
    }
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const memberReads = () => h.fake.callsTo('GET', `/open-apis/im/v1/chats/${chatId}/members`).length;
  const tap = (operator: string, card: number) => tapPhotoTask(h, cards[card]!, { operator, chatId });
  const filedBy = async (card: number) =>
    queryRows<{ filed_by: string }>(
      h.db.db,
      sql`select fi.filed_by from filing_items fi join filing_item_materials fim on fim.item_id = fi.id
          join materials m on m.id = fim.material_id
          where m.message_id = ${photos[card]!} and fi.undone_at is null`,
    );

  it('a non-member tapping three times: refused each time, at most one member-list read', async () => {
    const before = memberReads();
    for (let i = 0; i < 3; i++) {
      const answer = await tap(stranger, 0);
      expect(answer.toast.content).toContain('工作群成员或工作人员才能交材料');
    }
    expect(memberReads() - before).toBeLessThanOrEqual(1);
    expect(await filedBy(0)).toEqual([]);
  });

  it('someone who just joined (the event came) files at once, named as the event names them, with no read', async () => {
    h.fake.addChat({
      chatId,
      name: '城关村工作群',
      members: [officer(), { openId: newcomer, name: '李新人' }],
    });
    expect(await deliverMemberEvent(h, chatId, 'added', [{ openId: newcomer, name: '李新人' }])).toBe('done');
    const before = memberReads();
    const answer = await tap(newcomer, 0);
    expect(answer.toast.type).toBe('success');
    expect(await filedBy(0)).toEqual([{ filed_by: newcomer }]);
    // The officer taps the same card: told who filed it, by the name the join event carried.
    const again = await tap(org.officer, 0);
    expect(again.toast.content).toContain('由李新人交到');
    expect(memberReads()).toBe(before);
  });

  it('someone who left (the event came) is refused on their next tap, with no read', async () => {
    h.fake.addChat({ chatId, name: '城关村工作群', members: [officer()] });
    expect(await deliverMemberEvent(h, chatId, 'deleted', [{ openId: newcomer }])).toBe('done');
    const before = memberReads();
    const answer = await tap(newcomer, 1);
    expect(answer.toast.content).toContain('工作群成员或工作人员才能交材料');
    expect(await filedBy(1)).toEqual([]);
    expect(memberReads()).toBe(before);
  });

  it('an invitation withdrawn takes the invited back out of the members', async () => {
    expect(await deliverMemberEvent(h, chatId, 'added', [{ openId: invited, name: '赵受邀' }])).toBe('done');
    expect(await deliverMemberEvent(h, chatId, 'withdrawn', [{ openId: invited }])).toBe('done');
    const before = memberReads();
    const answer = await tap(invited, 2);
    expect(answer.toast.content).toContain('工作群成员或工作人员才能交材料');
    expect(memberReads()).toBe(before);
  });

  it('a member event Lark sent malformed is kept and reported as dead, and the bot goes on', async () => {
    const event = {
      schema: '2.0',
      header: {
        event_id: id('ev'),
        event_type: 'im.chat.member.user.added_v1',
        create_time: String(Date.now()),
        app_id: h.fake.appId,
        tenant_key: 'tenant_test',
      },
      event: { chat_id: chatId, users: [{ name: '无名' }] },
    };
    expect((await h.post(event)).status).toBe(200);
    await h.settle();
    const [row] = await queryRows<{ status: string; last_error: string }>(
      h.db.db,
      sql`select status, last_error from inbound_events where event_id = ${event.header.event_id}`,
    );
    expect(row).toMatchObject({ status: 'dead' });
    expect(row!.last_error).toContain('event.users[0].user_id.open_id is missing');
    expect(h.bot.metrics.value('queue_dead_total', { table: 'inbound_events' })).toBe(1);
    // Still taking taps.
    expect((await tap(org.officer, 2)).toast.type).toBe('success');
  });
});
