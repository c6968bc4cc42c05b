import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { bindVillageChat, joinVillageChat } from '../support/bound-chat.js';
import { sayToBot } from '../support/chat-actions.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { openIdOf } from '../support/open-ids.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * Officers of a village group who were never registered (`units people import`) and whom Lark's
 * contacts do not name (outside the app's contact range, or no contact scope): the 未归档 list names
 * them as the group does — Lark's member list of the chat carries each member's name — instead of
 * 「群成员」, so the leader and the archivist can tell who sent what. A Lark that fails or is slow
 * does not hold the list up: it answers at once with 「群成员」 as before.
 */
describe('未归档 names a sender never registered by their name in the group', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock });
    org = await seedOrg(h.db.db, { prefix: 'NM' });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.fake.clearFaults();
    h.fake.assertNoUnknownRoutes();
  });

  /** A village group with the registered officer and 刘会计, whom nobody registered. */
  const groupWithUnregistered = async () => {
    const chatId = id('oc_');
    const clerk = openIdOf(`${chatId}_clerk`);
    await bindVillageChat(h, org, chatId, [{ openId: clerk, name: '刘会计' }]);
    return { chatId, clerk };
  };
  /** The clerk posts a photo with a caption that names no task; resolves once the bot asked for one. */
  const clerkPostsPhoto = async (chatId: string, clerk: string) => {
    const photo = await postPhoto(h, { chatId, sender: clerk });
    await postText(h, { chatId, sender: clerk, text: '随手拍' });
    const card = await replyAfterQuiet(h, clock, photo);
    expect(JSON.stringify(card.content)).not.toContain('已交到');
  };
  /**
   * As clerkPostsPhoto, with the background name lookup (learn-person-name) finished while Lark refused
   * the member list: the clerk has no name in `people`, so the list asks Lark's member list itself.
   */
  const clerkPostsPhotoUnnamed = async (chatId: string, clerk: string) => {
    h.fake.inject({ method: 'GET', path: membersPath(chatId), fault: { code: 232011 } });
    await clerkPostsPhoto(chatId, clerk);
    await waitFor('the background name lookup done', async () => {
      const [j] = await queryRows<{ status: string }>(
        h.db.db,
        sql`select status from jobs where kind = 'learn-person-name' and key like ${`${clerk}:%`}`,
      );
      return j?.status === 'done';
    });
    h.fake.clearFaults();
  };
  const unfiledList = async (chatId: string) =>
    JSON.stringify((await sayToBot(h, { chatId, sender: org.officer, text: '未归档' })).content);
  const membersPath = (chatId: string) => new RegExp(`/im/v1/chats/${chatId}/members$`);

  it('the list names the sender from the chat’s members in Lark', async () => {
    const { chatId, clerk } = await groupWithUnregistered();
    await clerkPostsPhoto(chatId, clerk);
    const list = await unfiledList(chatId);
    // Before: 「群成员」 (the sender has no row in people and Lark's contacts do not name them).
    expect(list).toContain('刘会计');
    expect(list).not.toContain('群成员');
  });

  it('Lark refusing the member list: the list still answers, with 「群成员」', async () => {
    const { chatId, clerk } = await groupWithUnregistered();
    await clerkPostsPhotoUnnamed(chatId, clerk);
    h.fake.inject({ method: 'GET', path: membersPath(chatId), fault: { code: 232011 } });
    const list = await unfiledList(chatId);
    expect(list).toContain('群成员');
    expect(list).not.toContain('刘会计');
    // Lark was asked (and said no): the name is looked for, not left out unasked.
    expect(h.fake.callsTo('GET', membersPath(chatId)).length).toBeGreaterThan(0);
  });

  it('Lark holding the member list: the list answers without it, and the late answer names the sender next time', async () => {
    const { chatId, clerk } = await groupWithUnregistered();
    await clerkPostsPhotoUnnamed(chatId, clerk);
    const asked = h.fake.callsTo('GET', membersPath(chatId)).length;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    h.fake.inject({ method: 'GET', path: membersPath(chatId), fault: { until: held }, times: 1 });
    try {
      const list = await unfiledList(chatId);
      // Answered while Lark still holds the call: the old text, not a wait for Lark.
      expect(list).toContain('群成员');
      expect(h.fake.callsTo('GET', membersPath(chatId))).toHaveLength(asked + 1);
    } finally {
      release();
    }
    // The held answer lands in the member cache: the next list names the sender without asking again.
    await waitFor('the list naming the sender', async () => (await unfiledList(chatId)).includes('刘会计'));
    expect(h.fake.callsTo('GET', membersPath(chatId))).toHaveLength(asked + 1);
  });

  it('someone who joined after the bot read the group’s members is named on their first photo', async () => {
    const { chatId, clerk } = await groupWithUnregistered();
    await clerkPostsPhoto(chatId, clerk);
    expect(await unfiledList(chatId)).toContain('刘会计'); // the bot has the group's members (cached 10 min)
    const read = h.fake.callsTo('GET', membersPath(chatId)).length;
    // A minute later, well within those 10 minutes, an officer joins and sends their first photo.
    await clock.advance(MINUTE);
    const newcomer = joinVillageChat(h, org, chatId, openIdOf(`${chatId}_new`), '新村干', [
      { openId: clerk, name: '刘会计' },
    ]);
    await clerkPostsPhoto(chatId, newcomer);
    const list = await unfiledList(chatId);
    // Before: 「群成员」 until the cached list expired.
    expect(list).toContain('新村干');
    expect(list).not.toContain('群成员');
    expect(h.fake.callsTo('GET', membersPath(chatId))).toHaveLength(read + 1);
  });

  it('someone the group’s members do not list (they left) makes the bot read them again once, not on every list', async () => {
    const { chatId } = await groupWithUnregistered();
    const left = openIdOf(`${chatId}_left`); // sent a photo, then left the group
    await clerkPostsPhoto(chatId, left);
    await waitFor('the background name lookup done', async () => {
      const [j] = await queryRows<{ status: string }>(
        h.db.db,
        sql`select status from jobs where kind = 'learn-person-name' and key like ${`${left}:%`}`,
      );
      return j?.status === 'done';
    });
    const calls = () => h.fake.callsTo('GET', membersPath(chatId)).length;
    const read = calls();
    // Within 30 s of reading the members, lists do not read them again for someone they lack.
    for (let i = 0; i < 3; i++) expect(await unfiledList(chatId)).toContain('群成员');
    expect(calls()).toBe(read);
    // Past 30 s they might have joined since: read once more (before: never, for 10 minutes).
    await clock.advance(31 * SECOND);
    for (let i = 0; i < 3; i++) expect(await unfiledList(chatId)).toContain('群成员');
    expect(calls()).toBe(read + 1);
    // That read did not list them: not read again for them until the cached list expires.
    await clock.advance(31 * SECOND);
    expect(await unfiledList(chatId)).toContain('群成员');
    expect(calls()).toBe(read + 1);
  });
});
