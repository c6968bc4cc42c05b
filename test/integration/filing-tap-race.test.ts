import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import type { CardAction } from '../../src/domain/incoming.js';
import type { CardResponse } from '../../src/usecases/card-response.js';
import { buttonValue, cardButtons } from '../support/cards.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { cardActionEvent, commandEvent } from '../support/events.js';
import { gatedDb, type GatedStatement } from '../support/gated-db.js';
import { startHarness, type Harness } from '../support/harness.js';
import { awakeNow, ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

/**
 * 不用交 or 重新选择任务 on one copy of a filing card while a task is tapped on another copy of the
 * same burst: the taps are decided one after the other under the burst's row lock, so a set-aside or
 * reopen is never recorded after a filing it did not see. Each race is played in a fixed order: the
 * first tap is held at one of its statements, the second runs until it is done or waits for a lock
 * the first holds, then the first goes on (gated-db.ts; no sleeps). The taps go through the bot's
 * own card-action dispatcher in this process: a tap held over HTTP would run into the webhook's time
 * limits instead.
 */
describe('不用交 / 重新选择任务 racing a filing on another copy of the card', () => {
  let h: Harness;
  let org: SeededOrg;
  let clock: ManualClock;
  const chatId = `oc_race_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    clock = new ManualClock(awakeNow());
    h = await startHarness({ mode: 'webhook', clock, env: { SCHEDULER_ENABLED: 'false' } });
    org = await seedOrg(h.db.db, { prefix: 'TR', clock });
    const village = (await getUnitByCode(h.db.db, org.village))!;
    await insertBinding(h.db.db, { chatId, unitId: village.id, boundBy: null }, clock.now());
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
  });
  afterAll(() => h?.close());

  /** A photo's burst with two copies of its filing card: the first, and one sent again by 未归档. */
  const burstWithTwoCards = async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    const first = await replyAfterQuiet(h, clock, photo);
    const cmd = commandEvent({
      appId: h.fake.appId,
      botOpenId: h.fake.botOpenId,
      chatId,
      senderOpenId: org.officer,
      text: '未归档',
      createTimeMs: clock.now().getTime(),
    });
    expect((await h.post(cmd)).status).toBe(200);
    const list = await waitFor('the 未归档 list', () =>
      h.fake.sentMessages().find((m) => m.replyTo === cmd.event.message.message_id),
    );
    const again = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: buttonValue(list.content, 'card-again'),
        chatId,
        messageId: list.messageId,
      }),
    );
    expect(again.status).toBe(200);
    const second = await waitFor(
      'the card sent again',
      () => h.fake.sentMessages().filter((m) => m.replyTo === photo)[1],
    );
    const burstId = Number(buttonValue(first.content, 'skip').b);
    return { burstId, first, second };
  };

  type Card = Awaited<ReturnType<typeof burstWithTwoCards>>['first'];
  const tapOn = (card: Card, value: Record<string, unknown>): CardAction => ({
    operatorOpenId: org.officer,
    value,
    chatId,
    messageId: card.messageId,
  });
  const fileTap = (card: Card) =>
    tapOn(card, cardButtons(card.content).find((b) => b.value?.a === 'file')!.value);

  /**
   * Runs `first` until `holdAt` matches one of its statements and holds it there; runs `second`
   * until it is done or is waiting for a lock `first` holds (only possible when `first` is held
   * inside its transaction); then lets `first` go on. Returns both answers.
   */
  const interleave = async (
    first: CardAction,
    second: CardAction,
    holdAt: (s: GatedStatement) => boolean,
  ) => {
    let held: GatedStatement | undefined;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atHold = new Promise<void>((r) => (reached = r));
    const one = gatedDb(h.db, async (s) => {
      if (held || !holdAt(s)) return;
      held = s;
      reached();
      await released;
    });
    const two = gatedDb(h.db, () => {});
    const tap = (db: typeof one, action: CardAction): Promise<CardResponse> =>
      h.bot.features.cards.handle({ ...h.bot.deps, db: db.db }, action);
    try {
      const firstAnswer = tap(one, first);
      await Promise.race([
        atHold,
        firstAnswer.then((a) => {
          throw new Error(`the first tap ended before its hold point: ${JSON.stringify(a.toast)}`);
        }),
      ]);
      let secondDone = false;
      const secondAnswer = tap(two, second).finally(() => (secondDone = true));
      await waitFor(
        'the second tap to finish, or to wait for the first',
        async () => secondDone || (held!.inTransaction && (await two.waitingForLock())),
      );
      release();
      return { first: await firstAnswer, second: await secondAnswer };
    } finally {
      release();
      await one.close();
      await two.close();
    }
  };

  const auditOf = (burstId: number) =>
    queryRows<{ id: number; action: string }>(
      h.db.db,
      sql`select id::int as id, action from audit_log
          where burst_id = ${burstId} and action in ('file', 'set_aside', 'reopen') order by id`,
    );
  const liveItems = async (burstId: number) =>
    (
      await queryRows<{ n: number }>(
        h.db.db,
        sql`select count(*)::int as n from filing_items where burst_id = ${burstId} and undone_at is null`,
      )
    )[0]!.n;
  const auditInsert = (action: string) => (s: GatedStatement) =>
    /insert into "audit_log"/.test(s.text) && s.params.includes(action);
  const alreadyFiled = /^这组材料已经交到「.+」，如要改动请先撤销$/;

  it('不用交 that read "not filed" before the filing committed is written before it, never after', async () => {
    const { burstId, first, second } = await burstWithTwoCards();
    const r = await interleave(
      tapOn(first, buttonValue(first.content, 'skip')),
      fileTap(second),
      auditInsert('set_aside'),
    );
    expect(r.first.toast).toEqual({ type: 'info', content: '已标记为不用交' });
    expect(r.second.toast?.type).toBe('success');
    // Set aside, then filed on the other copy (a filing supersedes a set-aside, as one after another).
    expect((await auditOf(burstId)).map((a) => a.action)).toEqual(['set_aside', 'file']);
    expect(await liveItems(burstId)).toBe(1);
  });

  it('不用交 tapped while the filing holds its transaction sees the filing and sets nothing aside', async () => {
    const { burstId, first, second } = await burstWithTwoCards();
    const fileHeld = (s: GatedStatement) => s.inTransaction && auditInsert('file')(s);
    const r = await interleave(fileTap(second), tapOn(first, buttonValue(first.content, 'skip')), fileHeld);
    expect(r.first.toast?.type).toBe('success');
    expect(r.second.toast).toMatchObject({ type: 'info', content: expect.stringMatching(alreadyFiled) });
    expect(JSON.stringify(r.second.card?.data)).toContain('已交到');
    expect((await auditOf(burstId)).map((a) => a.action)).toEqual(['file']);
    expect(await liveItems(burstId)).toBe(1);
  });

  it('重新选择任务 that read "not filed" before the filing committed is written before it, never after', async () => {
    const { burstId, first, second } = await burstWithTwoCards();
    const r = await interleave(
      tapOn(first, { a: 'reopen', b: burstId }),
      fileTap(second),
      auditInsert('reopen'),
    );
    // The task choice again, recorded before the filing on the other copy.
    expect(cardButtons(r.first.card?.data).some((b) => b.value?.a === 'file')).toBe(true);
    expect(r.second.toast?.type).toBe('success');
    expect((await auditOf(burstId)).map((a) => a.action)).toEqual(['reopen', 'file']);
    expect(await liveItems(burstId)).toBe(1);
  });

  it('重新选择任务 tapped while the filing holds its transaction shows the filing, not tasks to choose', async () => {
    const { burstId, first, second } = await burstWithTwoCards();
    const fileHeld = (s: GatedStatement) => s.inTransaction && auditInsert('file')(s);
    const r = await interleave(fileTap(second), tapOn(first, { a: 'reopen', b: burstId }), fileHeld);
    expect(r.first.toast?.type).toBe('success');
    expect(r.second.toast).toMatchObject({ type: 'info', content: expect.stringMatching(alreadyFiled) });
    expect(cardButtons(r.second.card?.data).filter((b) => b.value?.a === 'file')).toEqual([]);
    expect((await auditOf(burstId)).map((a) => a.action)).toEqual(['file']);
    expect(await liveItems(burstId)).toBe(1);
  });
});
