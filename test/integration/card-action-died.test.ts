import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { identityText, type ProcessIdentity } from '../../src/process-identity.js';
import { selfIdentity } from '../../src/process-identity.js';
import { STILL_WORKING, TAP_INTERRUPTED } from '../../src/usecases/card-actions.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { buttonValue } from '../support/cards.js';
import { postPhoto } from '../support/chat-photos.js';
import { cardActionEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/** A worker of a process on this host that is gone (SIGKILL): its rows are reclaimed at the next sweep. */
const goneWorker = (): string => {
  const gone: ProcessIdentity = { host: selfIdentity().host, pid: 4_194_000, start: '12345' };
  return `${identityText(gone)}:dead01`;
};

/**
 * A tap answered 「处理中」 whose card-action job was running in a process killed with SIGKILL: the row
 * is held by a worker that is gone. The next sweep takes it back; the tap runs again and the card shows
 * the outcome. When the kill came on the job's last attempt, the row is dead, and the officer is told
 * the tap was cut short instead of being left with 处理中 for good.
 */
describe('a card-action job whose process died', () => {
  let h: Harness;
  let org: SeededOrg;
  beforeAll(async () => {
    h = await startHarness();
    org = await seedOrg(h.db.db, { prefix: 'K' });
  });
  afterAll(() => h.close());

  /**
   * A photo's filing card tapped by a member of a chat whose member list the bot has not read yet (a
   * group bound just now): Lark's member lookup fails for once, the tap is answered 处理中.
   */
  const tapWaiting = async (seed: number) => {
    const chat = id('oc_');
    const newcomer = id('ou_new_');
    await bindVillageChat(h, org, chat, [{ openId: newcomer, name: '新村干' }]);
    const messageId = await postPhoto(h, { chatId: chat, sender: org.officer, seed });
    const card = await waitFor('the filing card', () =>
      h.fake.sentMessages().find((m) => m.replyTo === messageId && m.msgType === 'interactive'),
    );
    await h.settle();
    h.fake.inject({
      method: 'GET',
      path: `/open-apis/im/v1/chats/${chat}/members`,
      times: 1,
      fault: { status: 500 },
    });
    // The job is taken by the process that is killed, not by this one.
    h.bot.jobWorker.pause();
    const ev = cardActionEvent({
      appId: h.fake.appId,
      operatorOpenId: newcomer,
      value: buttonValue(card.content, 'file'),
      chatId: chat,
      messageId: card.messageId,
    });
    const res = await h.post(ev);
    expect(((await res.json()) as { toast: { content: string } }).toast.content).toBe(STILL_WORKING);
    return { messageId, card, newcomer, chatId: chat, callbackId: ev.header.event_id };
  };

  /** The killed process had claimed the job (its `attempt`-th attempt). */
  const claimedByDeadProcess = (callbackId: string, attempt: number) =>
    h.db.db.execute(
      sql`update jobs set status = 'processing', attempts = ${attempt}, locked_by = ${goneWorker()},
            locked_at = now(), claimed_at = now()
          where kind = 'card-action' and key = ${callbackId}`,
    );
  const jobStatus = async (callbackId: string) =>
    (
      await queryRows<{ status: string }>(
        h.db.db,
        sql`select status from jobs where kind = 'card-action' and key = ${callbackId}`,
      )
    )[0]?.status;

  it('killed on its first attempt: the tap runs again after the restart and the card shows it filed', async () => {
    const tap = await tapWaiting(901);
    await claimedByDeadProcess(tap.callbackId, 1);
    h.bot.jobWorker.start();
    const patched = await waitFor(
      'the card updated with the outcome',
      () => h.fake.patches().find((p) => p.messageId === tap.card.messageId),
      { timeoutMs: 20_000 },
    );
    expect(JSON.stringify(patched.content)).toContain('已交到');
    await h.settle();
    expect(await jobStatus(tap.callbackId)).toBe('done');
  });

  it('killed on its last attempt: the officer is told the tap was cut short, not left with 处理中', async () => {
    const tap = await tapWaiting(902);
    await claimedByDeadProcess(tap.callbackId, 3);
    h.bot.jobWorker.start();
    const told = await waitFor(
      'the officer told to tap again',
      () => h.fake.sentMessages().find((m) => m.replyTo === tap.card.messageId && m.msgType === 'text'),
      { timeoutMs: 20_000 },
    );
    expect((told.content as { text: string }).text).toBe(TAP_INTERRUPTED);
    expect(await jobStatus(tap.callbackId)).toBe('dead');
    // Told once, however often the sweep sees the dead row.
    await h.bot.jobWorker.sweep();
    await h.settle();
    expect(
      h.fake.sentMessages().filter((m) => m.replyTo === tap.card.messageId && m.msgType === 'text'),
    ).toHaveLength(1);
    // Tapping again files the burst (the click is idempotent).
    const again = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: buttonValue(tap.card.content, 'file'),
        chatId: tap.chatId,
        messageId: tap.card.messageId,
      }),
    );
    const answer = (await again.json()) as { card?: { data: unknown } };
    expect(JSON.stringify(answer.card?.data)).toContain('已交到');
  });

  it('Lark refusing the card update on the last attempt: the officer is told in the chat, not left with 处理中', async () => {
    const tap = await tapWaiting(903);
    // Two attempts were spent already (two processes killed); this one is the last.
    await h.db.db.execute(
      sql`update jobs set attempts = 2 where kind = 'card-action' and key = ${tap.callbackId}`,
    );
    h.fake.inject({
      method: 'PATCH',
      path: `/open-apis/im/v1/messages/${tap.card.messageId}`,
      times: 1,
      fault: { status: 400, code: 230031, msg: 'card is too old to update' },
    });
    h.bot.jobWorker.start();
    const told = await waitFor(
      'the officer told to tap again',
      () => h.fake.sentMessages().find((m) => m.replyTo === tap.card.messageId && m.msgType === 'text'),
      { timeoutMs: 20_000 },
    );
    expect((told.content as { text: string }).text).toBe(TAP_INTERRUPTED);
    await h.settle();
    expect(await jobStatus(tap.callbackId)).toBe('done');
  });
});
