import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { queryRows } from '../../src/db/client.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const HOUR = 3600_000;
/** A correction's answer when it closed an approved request. */
const TOLD = '已按这件已同意的更正申请处理，已告知申请人改好了';

/**
 * A correction made away from the village chat (改归 / 撤下 through 查, in a direct chat) reaches the
 * village: its filed card is drawn again, the filer is told; an approved 申请更正 is tracked until it is
 * carried out, then its requester is told.
 */
describe('what follows a correction', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const direct = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'Q', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  /** A tap on a card of the archivist's direct chat with the bot. */
  const clickDirect = (...a: TapArgs) => tapIn(h, direct, ...a);
  /** The archivist's 查 in a direct chat with the bot; the card it answers. */
  const archivistFinds = async (text: string) =>
    (await sayToBot(h, { chatId: direct, sender: org.archivist, text, chatType: 'p2p' })).content;
  const taskId = async (code: string) =>
    (
      await queryRows<{ id: number }>(
        h.db.db,
        sql`select t.id::int as id from tasks t join units u on u.id = t.unit_id
            where u.code = ${org.village} and t.code = ${code}`,
      )
    )[0]!.id;
  const sentTo = (openId: string, words: string) =>
    h.fake.sentMessages().filter((m) => m.receiveId === openId && JSON.stringify(m.content).includes(words));

  /** The officer posts a photo and files it from its card: the card's message and the item. */
  const fileOnePhoto = async () => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, messageId);
    const filed = await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
    expect(filed.toast.type).toBe('success');
    const fix = actionValue(filed.card.data, 'fix');
    return { card: ack.messageId, itemId: Number(fix.i), fix, filedCard: filed.card.data };
  };

  /** The officer asks (after the 24 hours) and the archivist says 同意 on the card they got. */
  const approvedRequest = async (fix: Record<string, unknown>, text: string) => {
    clock.advance(25 * HOUR);
    const form = await click(org.officer, fix);
    const sent = await click(org.officer, actionValue(form.card.data, 'fix-request'), {
      formValue: { text },
    });
    expect(sent.toast.type).toBe('success');
    await h.settle();
    const toArchivist = await waitFor('the request card to the archivist', () =>
      h.fake
        .sentMessages()
        .find((m) => m.receiveId === org.archivist && JSON.stringify(m.content).includes(text)),
    );
    const yes = await clickDirect(org.archivist, actionValue(toArchivist.content, 'fix-answer'));
    expect(yes.toast.type).toBe('success');
    return yes;
  };

  it('改归 through 查 in a direct chat redraws the filed card in the village chat and tells the filer', async () => {
    const { card, itemId, filedCard } = await fileOnePhoto();
    const code = (
      await queryRows<{ code: string }>(
        h.db.db,
        sql`select t.code from filing_items fi join tasks t on t.id = fi.task_id where fi.id = ${itemId}`,
      )
    )[0]!.code;
    const to = code === 'C01' ? 'C02' : 'C01';
    expect(JSON.stringify(filedCard)).toContain(code);

    const list = await archivistFinds('查 城关村');
    const opened = await clickDirect(org.archivist, actionValue(list, 'fix'));
    const moved = await clickDirect(org.archivist, actionValue(opened.card.data, 'fix-refile'), {
      option: String(await taskId(to)),
    });
    expect(moved.toast.type).toBe('success');
    await h.settle();

    // The village's card is patched: the new task, not the old.
    const patch = await waitFor('the filed card patched in the village chat', () =>
      h.fake.patches().find((p) => p.messageId === card && JSON.stringify(p.content).includes(`${to} `)),
    );
    const drawn = JSON.stringify(patch.content);
    expect(drawn).toContain('已交到');
    expect(drawn).not.toContain(`「${code} `);
    // The filer hears it in one short direct message.
    const note = await waitFor('the note to the filer', () => sentTo(org.officer, '档案员已改归到')[0]);
    expect(note.receiveIdType).toBe('open_id');
    expect(JSON.stringify(note.content)).toContain(`您在城关村交到「${code} `);
    // The archivist who corrected it is told nothing more than the card's answer.
    expect(sentTo(org.archivist, '档案员已改归到')).toEqual([]);
  });

  it('an approved 申请更正 is listed on the archivist’s 查 until it is corrected; then the requester is told', async () => {
    const { fix, itemId } = await fileOnePhoto();
    await approvedRequest(fix, '应该交到 C05');

    // Not corrected yet: the archivist's 查 (any words) lists it first, with the request; the officer's does not.
    const owed = JSON.stringify(await archivistFinds('查 城关村'));
    expect(owed).toContain('已同意、还没改好的更正申请（1）');
    expect(owed).toContain('申请：应该交到 C05');
    const officers = await sayToBot(h, { chatId, sender: org.officer, text: '查' });
    expect(JSON.stringify(officers.content)).not.toContain('还没改好的更正申请');

    // The archivist corrects it from that list: 改归 to C05.
    const list = await archivistFinds('查 城关村');
    const first = actionValue(list, 'fix');
    expect(Number(first.i)).toBe(itemId);
    const opened = await clickDirect(org.archivist, first);
    const moved = await clickDirect(org.archivist, actionValue(opened.card.data, 'fix-refile'), {
      option: String(await taskId('C05')),
    });
    expect(moved.toast.type).toBe('success');
    await h.settle();
    const told = await waitFor('the requester told it is done', () => sentTo(org.officer, '已改好')[0]);
    expect(JSON.stringify(told.content)).toMatch(
      /您申请更正的城关村「.+」的材料已改好：已从「.+」改归到「C05 /,
    );
    // The requester is the filer: one message, not a second note.
    expect(sentTo(org.officer, '档案员已改归到「C05 ')).toEqual([]);
    const rows = await queryRows<{ action: string }>(
      h.db.db,
      sql`select action from audit_log where item_id = ${itemId} and action like 'correction%' order by id`,
    );
    expect(rows.map((r) => r.action)).toEqual(['correction_request', 'correction_answer', 'correction_done']);
    expect(JSON.stringify(await archivistFinds('查 城关村'))).not.toContain('还没改好的更正申请');
  });

  it('撤下 carries out an approved request too: the requester is told and the village card offers the tasks again', async () => {
    const { fix, card } = await fileOnePhoto();
    const approved = await approvedRequest(fix, '这张不该交');
    const ask = await clickDirect(org.archivist, actionValue(approved.card.data, 'fix-unfile'));
    const off = await clickDirect(org.archivist, actionValue(ask.card.data, 'fix-unfile'));
    expect(off.toast.type).toBe('success');
    await h.settle();
    await waitFor('the requester told', () => sentTo(org.officer, '已改好：已从')[0]);
    expect(JSON.stringify(sentTo(org.officer, '已改好：已从').at(-1)!.content)).toContain('撤下这件材料');
    // The village's card is no longer 「已交到」: it offers the tasks to choose.
    const patch = await waitFor('the card drawn as not filed', () =>
      h.fake.patches().find((p) => p.messageId === card && JSON.stringify(p.content).includes('"a":"file"')),
    );
    expect(JSON.stringify(patch.content)).not.toContain('已交到');
  });

  /** The item's approved request's audit rows after it (correction_done / correction_dropped), oldest first. */
  const closings = (itemId: number) =>
    queryRows<{ action: string; request_id: number; done: string | null }>(
      h.db.db,
      sql`select action, (details->>'requestId')::int as request_id, details->>'done' as done
          from audit_log where item_id = ${itemId} and action in ('correction_done', 'correction_dropped')
          order by id`,
    );
  /** Two open tasks of the village's own (not a household's) other than the item's, by id. */
  const otherTasks = async (itemId: number) =>
    (
      await queryRows<{ id: number; code: string }>(
        h.db.db,
        sql`select t.id::int as id, t.code from tasks t join units u on u.id = t.unit_id
            where u.code = ${org.village} and t.household_id is null and t.state <> 'waived'
              and t.id <> (select task_id from filing_items where id = ${itemId})
            order by t.code limit 2`,
      )
    ).map((t) => ({ id: t.id, code: t.code }));

  it('改归 / 撤下 / 免交 close only the request whose card they were taken from; a plain correction card leaves it open', async () => {
    // 改归 on a plain correction card (更正 without the request): the approved request stays owed.
    const moved = await fileOnePhoto();
    const approved = await approvedRequest(moved.fix, '应该交到别的任务');
    const requestId = Number(actionValue(approved.card.data, 'fix-describe').r);
    expect(requestId).toBeGreaterThan(0);
    const [first, second] = await otherTasks(moved.itemId);
    const told = sentTo(org.officer, '已改好：').length;
    const plain = await clickDirect(org.archivist, { a: 'fix', i: moved.itemId });
    const plainMenu = actionValue(plain.card.data, 'fix-refile');
    expect(plainMenu.r).toBeUndefined();
    expect((await clickDirect(org.archivist, plainMenu, { option: String(first!.id) })).toast.type).toBe(
      'success',
    );
    await h.settle();
    expect(await closings(moved.itemId)).toEqual([]);
    expect(sentTo(org.officer, '已改好：')).toHaveLength(told);
    expect(JSON.stringify(await archivistFinds('查 城关村'))).toContain('申请：应该交到别的任务');
    // The request's own card still works: its 改归 closes that request, and the audit names it.
    const own = await clickDirect(org.archivist, actionValue(approved.card.data, 'fix-refile'), {
      option: String(second!.id),
    });
    expect(own.toast.type).toBe('success');
    await h.settle();
    expect(await closings(moved.itemId)).toEqual([
      {
        action: 'correction_done',
        request_id: requestId,
        done: expect.stringContaining(`改归到「${second!.code} `),
      },
    ]);
    await waitFor('the requester told', () => sentTo(org.officer, `改归到「${second!.code} `)[0]);

    // 免交 on a plain card leaves the request owed; 撤下 on the request's card (its question too) closes it.
    const waived = await fileOnePhoto();
    const approvedW = await approvedRequest(waived.fix, '这张交错了');
    const requestW = Number(actionValue(approvedW.card.data, 'fix-describe').r);
    const plainW = await clickDirect(org.archivist, { a: 'fix', i: waived.itemId });
    expect(actionValue(plainW.card.data, 'fix-waive').r).toBeUndefined();
    const w = await clickDirect(org.archivist, actionValue(plainW.card.data, 'fix-waive'), {
      formValue: { reason: '本村今年不开展' },
    });
    expect(w.toast.type).toBe('success');
    await h.settle();
    expect(await closings(waived.itemId)).toEqual([]);
    expect(sentTo(org.officer, '已设为免交（本村今年不开展）')).toEqual([]);
    const ask = await clickDirect(org.archivist, actionValue(approvedW.card.data, 'fix-unfile'));
    expect(actionValue(ask.card.data, 'fix-unfile').r).toBe(requestW);
    const off = await clickDirect(org.archivist, actionValue(ask.card.data, 'fix-unfile'));
    expect(off.toast.type).toBe('success');
    await h.settle();
    expect(await closings(waived.itemId)).toEqual([
      { action: 'correction_done', request_id: requestW, done: expect.stringContaining('撤下这件材料') },
    ]);

    // 撤下 on a plain card: the request stays owed, and its own card's 不用改了 still closes it.
    const unfiled = await fileOnePhoto();
    const approvedU = await approvedRequest(unfiled.fix, '不用交这张');
    const requestU = Number(actionValue(approvedU.card.data, 'fix-describe').r);
    const plainU = await clickDirect(org.archivist, { a: 'fix', i: unfiled.itemId });
    const askU = await clickDirect(org.archivist, actionValue(plainU.card.data, 'fix-unfile'));
    expect(actionValue(askU.card.data, 'fix-unfile').r).toBeUndefined();
    expect((await clickDirect(org.archivist, actionValue(askU.card.data, 'fix-unfile'))).toast.type).toBe(
      'success',
    );
    await h.settle();
    expect(await closings(unfiled.itemId)).toEqual([]);
    const dropped = await clickDirect(org.archivist, actionValue(approvedU.card.data, 'fix-drop'), {
      formValue: { reason: '已撤下' },
    });
    expect(dropped.toast.type).toBe('success');
    expect(await closings(unfiled.itemId)).toEqual([
      { action: 'correction_dropped', request_id: requestU, done: null },
    ]);
  });

  /** `npm run cli -- archive …` on the bot's database (the running bot sends what it queued). */
  const cli = (...args: string[]) =>
    runArchiveCommand(args, { db: h.db.db, env: {}, out: () => undefined }).then(() => h.settle());

  it('`archive refile` from the command line redraws the village card and closes an approved request', async () => {
    const { fix, card, itemId } = await fileOnePhoto();
    await approvedRequest(fix, '应该交到 C06');
    await cli('refile', '--item', String(itemId), '--task', 'C06');
    await waitFor('the village card on C06', () =>
      h.fake.patches().find((p) => p.messageId === card && JSON.stringify(p.content).includes('C06 ')),
    );
    await waitFor('the requester told', () => sentTo(org.officer, '已改好：已从')[0]);
    expect(JSON.stringify(sentTo(org.officer, '已改好：已从').at(-1)!.content)).toContain('改归到「C06 ');
  });

  /** `archive …` as above, and what it printed; a refusal rejects (exit 1). */
  const cliSays = async (...args: string[]) => {
    const lines: string[] = [];
    await runArchiveCommand(args, { db: h.db.db, env: {}, out: (l) => lines.push(l) });
    await h.settle();
    return lines.join('\n');
  };
  /** The request's id, from the card 同意 answered with (its 更正著录 carries it). */
  const requestOf = (approved: { card: { data: unknown } }) =>
    Number(actionValue(approved.card.data, 'fix-describe').r);
  /**
   * A second approved request on the item, as one written before a second 申请更正 was refused while
   * one is owed: the item's own request and answer rows again, a minute later (its id returned).
   */
  const secondApprovedRequest = async (itemId: number, text: string) => {
    const [req] = await queryRows<{ id: number }>(
      h.db.db,
      sql`insert into audit_log (at, actor, action, source, unit_id, task_id, item_id, chat_id, details)
          select at + interval '1 minute', actor, action, source, unit_id, task_id, item_id, chat_id,
                 jsonb_build_object('text', ${text}::text, 'archivists', details->'archivists')
          from audit_log where item_id = ${itemId} and action = 'correction_request' order by id limit 1
          returning id::int as id`,
    );
    await h.db.db.execute(
      sql`insert into audit_log (at, actor, action, source, unit_id, task_id, item_id, details)
          select at + interval '1 minute', actor, action, source, unit_id, task_id, item_id,
                 jsonb_build_object('requestId', ${req!.id}::bigint, 'approved', true)
          from audit_log where item_id = ${itemId} and action = 'correction_answer' order by id limit 1`,
    );
    return req!.id;
  };
  const isLive = async (itemId: number) =>
    (
      await queryRows<{ live: boolean }>(
        h.db.db,
        sql`select undone_at is null as live from filing_items where id = ${itemId}`,
      )
    )[0]!.live;

  /**
   * `archive refile | unfile` carried out the item's approved request and told its requester while the
   * command printed only the change; a request named or kept is now explicit, a pending one is left
   * open and said to be, and two owed are never guessed at.
   */
  it('`archive refile | unfile` say which request they carried out, close only an approved one, and ask when it is ambiguous', async () => {
    // One approved request: carried out, and the output says so.
    const one = await fileOnePhoto();
    const requestOne = requestOf(await approvedRequest(one.fix, '应该交到 C07'));
    const said = await cliSays('refile', '--item', String(one.itemId), '--task', 'C07');
    expect(said).toContain(`已完成更正申请 #${requestOne}（应该交到 C07），机器人会告知申请人`);
    expect(await closings(one.itemId)).toEqual([
      { action: 'correction_done', request_id: requestOne, done: expect.stringContaining('改归到「C07 ') },
    ]);
    await waitFor('the requester told', () => sentTo(org.officer, '改归到「C07 ')[0]);

    // A request not answered yet: 撤下 leaves it open, and says so; the archivist still answers it.
    const asked = await fileOnePhoto();
    clock.advance(25 * HOUR);
    const form = await click(org.officer, asked.fix);
    await click(org.officer, actionValue(form.card.data, 'fix-request'), { formValue: { text: '交重了' } });
    await h.settle();
    const pending = (
      await queryRows<{ id: number }>(
        h.db.db,
        sql`select id::int as id from audit_log where item_id = ${asked.itemId} and action = 'correction_request'`,
      )
    )[0]!.id;
    await expect(
      cliSays('unfile', '--item', String(asked.itemId), '--request', String(pending)),
    ).rejects.toThrow(`更正申请 #${pending} 还没有同意`);
    expect(await isLive(asked.itemId)).toBe(true);
    const off = await cliSays('unfile', '--item', String(asked.itemId), '--reason', '交重了');
    expect(off).toContain(`待处理的更正申请 #${pending}（交重了）：还没有同意，没有关闭`);
    expect(await closings(asked.itemId)).toEqual([]);
    expect(
      sentTo(org.officer, '已改好：已从').filter((m) => JSON.stringify(m.content).includes('交重了')),
    ).toEqual([]);
    // Answered on its card after that, it is closed there and the requester told the 件 was taken off.
    const no = await clickDirect(
      org.archivist,
      { a: 'fix-answer', r: pending, ok: 0 },
      {
        formValue: { reason: '撤下了' },
      },
    );
    expect(no.toast.content).toContain('这件材料已撤下（原件仍保存，可以重新提交），申请已关闭并告知申请人');

    // --keep-request: changed, the approved request still owed; --request of another item's: refused.
    const kept = await fileOnePhoto();
    const requestKept = requestOf(await approvedRequest(kept.fix, '先别关'));
    await expect(
      cliSays('refile', '--item', String(kept.itemId), '--task', 'C07', '--request', String(requestOne)),
    ).rejects.toThrow(`#${requestKept}：先别关（已同意，待改好）`);
    const keptSaid = await cliSays(
      'refile',
      '--item',
      String(kept.itemId),
      '--task',
      'C07',
      '--keep-request',
    );
    expect(keptSaid).toContain(`已同意的更正申请仍待改好（--keep-request）：#${requestKept}`);
    expect(await closings(kept.itemId)).toEqual([]);

    // Two approved requests owed (written before that was refused): refused, both listed; --request picks.
    const two = await fileOnePhoto();
    const first = requestOf(await approvedRequest(two.fix, '第一个申请'));
    const second = await secondApprovedRequest(two.itemId, '第二个申请');
    const ambiguous = cliSays('unfile', '--item', String(two.itemId));
    await expect(ambiguous).rejects.toThrow('有 2 个已同意、待改好的更正申请，请用 --request 申请号 指明');
    await expect(cliSays('unfile', '--item', String(two.itemId))).rejects.toThrow(
      `#${first}：第一个申请\n  #${second}：第二个申请`,
    );
    expect(await isLive(two.itemId)).toBe(true);
    const picked = await cliSays('unfile', '--item', String(two.itemId), '--request', String(second));
    expect(picked).toContain(`已完成更正申请 #${second}（第二个申请）`);
    expect(await closings(two.itemId)).toEqual([
      { action: 'correction_done', request_id: second, done: expect.stringContaining('撤下这件材料') },
    ]);
  });

  /**
   * A request's card drawn before its 改归 / 撤下 / 免交 named the request (no `r`): a tap there did the
   * correction and closed nothing — the requester never heard, and after 撤下 the request dropped off
   * 查's list with its card gone. It now carries out the item's one approved request and says so; with
   * two, it changes nothing and says how to go on. A correction card drawn now without a request says
   * so on its buttons (`nr`), and closes nothing.
   */
  it('改归 / 撤下 / 免交 on a request card drawn before cards named the request carry out the item’s one approved request', async () => {
    const refiled = await fileOnePhoto();
    const requestR = requestOf(await approvedRequest(refiled.fix, '旧卡片改归'));
    const [to] = await otherTasks(refiled.itemId);
    const moved = await clickDirect(org.archivist, { a: 'fix-refile', i: refiled.itemId, t: to!.id });
    expect(moved.toast).toEqual({
      type: 'success',
      content: expect.stringContaining(TOLD),
    });
    await h.settle();
    expect(await closings(refiled.itemId)).toEqual([
      {
        action: 'correction_done',
        request_id: requestR,
        done: expect.stringContaining(`改归到「${to!.code} `),
      },
    ]);
    await waitFor('the requester told', () => sentTo(org.officer, `改归到「${to!.code} `)[0]);

    // The old card's task browser carries the request on by number; the 改归 chosen there carries it
    // out, and its answer says the requester was told (it said nothing of the requester).
    const browsed = await fileOnePhoto();
    const requestB = requestOf(await approvedRequest(browsed.fix, '旧卡片浏览改归'));
    const [toB] = await otherTasks(browsed.itemId);
    const browser = await clickDirect(org.archivist, { a: 'fix-browse', i: browsed.itemId, h: 0 });
    const taskButton = [...JSON.stringify(browser.card.data).matchAll(/"value":(\{"a":"fix-refile"[^}]*\})/g)]
      .map((m) => JSON.parse(m[1]!) as Record<string, unknown>)
      .find((v) => v.t === toB!.id);
    expect(taskButton).toMatchObject({ r: requestB });
    const chosen = await clickDirect(org.archivist, taskButton!);
    expect(chosen.toast).toEqual({ type: 'success', content: expect.stringContaining(TOLD) });
    expect(await closings(browsed.itemId)).toEqual([
      { action: 'correction_done', request_id: requestB, done: expect.stringContaining('改归到') },
    ]);

    // 撤下: its question carries the request on; 确定撤下 carries it out, and says the requester was told.
    const unfiled = await fileOnePhoto();
    const requestU = requestOf(await approvedRequest(unfiled.fix, '旧卡片撤下'));
    const ask = await clickDirect(org.archivist, { a: 'fix-unfile', i: unfiled.itemId });
    expect(actionValue(ask.card.data, 'fix-unfile').r).toBe(requestU);
    const sure = await clickDirect(org.archivist, actionValue(ask.card.data, 'fix-unfile'));
    expect(sure.toast).toEqual({ type: 'success', content: expect.stringContaining(TOLD) });
    await h.settle();
    expect(await closings(unfiled.itemId)).toEqual([
      { action: 'correction_done', request_id: requestU, done: expect.stringContaining('撤下这件材料') },
    ]);

    // 免交 likewise.
    const waived = await fileOnePhoto();
    const requestW = requestOf(await approvedRequest(waived.fix, '旧卡片免交'));
    const w = await clickDirect(
      org.archivist,
      { a: 'fix-waive', i: waived.itemId },
      { formValue: { reason: '本户已迁出' } },
    );
    expect(w.toast).toEqual({ type: 'success', content: expect.stringContaining(TOLD) });
    await h.settle();
    expect(await closings(waived.itemId)).toEqual([
      {
        action: 'correction_done',
        request_id: requestW,
        done: expect.stringContaining('已设为免交（本户已迁出）'),
      },
    ]);

    // Two approved requests: which one cannot be told; nothing changes, and the answer says what to do.
    const two = await fileOnePhoto();
    await approvedRequest(two.fix, '旧卡片两个申请之一');
    await secondApprovedRequest(two.itemId, '旧卡片两个申请之二');
    const [away] = await otherTasks(two.itemId);
    const refused = await clickDirect(org.archivist, { a: 'fix-refile', i: two.itemId, t: away!.id });
    expect(refused.toast.type).toBe('error');
    expect(refused.toast.content).toContain('有 2 个已同意、还没改好的更正申请');
    expect(refused.toast.content).toContain('请发送「查」');
    const unrefused = await clickDirect(org.archivist, { a: 'fix-unfile', i: two.itemId, sure: 1 });
    expect(unrefused.toast.type).toBe('error');
    expect(await isLive(two.itemId)).toBe(true);
    expect(await closings(two.itemId)).toEqual([]);

    // A correction card drawn now for no request marks its buttons so: they close nothing.
    const plain = await clickDirect(org.archivist, { a: 'fix', i: two.itemId });
    expect(actionValue(plain.card.data, 'fix-refile')).toMatchObject({ nr: 1 });
    expect(actionValue(plain.card.data, 'fix-unfile')).toMatchObject({ nr: 1 });
    expect(actionValue(plain.card.data, 'fix-waive')).toMatchObject({ nr: 1 });
  });

  it('著录 made for an approved request (its card) or 免交 on the correction card carry it out; other 著录 does not', async () => {
    const described = await fileOnePhoto();
    const approvedCard = await approvedRequest(described.fix, '题名写错了');
    // 著录 made elsewhere (the command line, 更正 on a 查 card not opened for the request) is not
    // what the officer asked for: the request stays owed and nobody is told it is done.
    await cli('describe', '--item', String(described.itemId), '--pages', '2');
    const list = await archivistFinds(`查 城关村`);
    expect(JSON.stringify(list)).toContain('申请：题名写错了');
    const plain = await clickDirect(org.archivist, { a: 'fix', i: described.itemId });
    const plainForm = actionValue(plain.card.data, 'fix-describe');
    expect(plainForm.r).toBeUndefined();
    expect(
      (await clickDirect(org.archivist, plainForm, { formValue: { responsible: '城关村村委会' } })).toast
        .type,
    ).toBe('success');
    await h.settle();
    expect(sentTo(org.officer, '已改好：已更正著录')).toEqual([]);
    expect(JSON.stringify(await archivistFinds(`查 城关村`))).toContain('申请：题名写错了');
    // 更正著录 on the request's own card (the 同意's answer) carries it out, saying what changed.
    const forRequest = actionValue(approvedCard.card.data, 'fix-describe');
    expect(forRequest.r).toEqual(expect.any(Number));
    const saved = await clickDirect(org.archivist, forRequest, { formValue: { title: '入户走访照片' } });
    expect(saved.toast).toEqual({ type: 'success', content: '已保存著录，已告知申请人改好了' });
    expect(JSON.stringify(saved.card.data)).not.toContain('不用改了');
    await h.settle();
    const toldDescribed = await waitFor(
      'told after 著录',
      () => sentTo(org.officer, '已改好：已更正著录')[0],
    );
    expect(JSON.stringify(toldDescribed.content)).toContain('题名改为「入户走访照片」');
    expect(JSON.stringify(await archivistFinds(`查 城关村`))).not.toContain('申请：题名写错了');

    const waived = await fileOnePhoto();
    const approved = await approvedRequest(waived.fix, '这项本村没有');
    const res = await clickDirect(org.archivist, actionValue(approved.card.data, 'fix-waive'), {
      formValue: { reason: '本村没有此项' },
    });
    expect(res.toast).toEqual({ type: 'success', content: expect.stringContaining(TOLD) });
    await h.settle();
    const told = await waitFor('told after 免交', () => sentTo(org.officer, '已设为免交（本村没有此项）')[0]);
    expect(JSON.stringify(told.content)).toContain('您申请更正的城关村');
    expect(await closings(waived.itemId)).toEqual([
      {
        action: 'correction_done',
        request_id: Number(actionValue(approved.card.data, 'fix-describe').r),
        done: expect.stringContaining('已设为免交'),
      },
    ]);

    // The request closed meanwhile (不用改了): 免交 on its card still waives, and does not say the
    // requester was told of it.
    const closedFirst = await fileOnePhoto();
    const approvedC = await approvedRequest(closedFirst.fix, '这项也没有');
    await clickDirect(org.archivist, actionValue(approvedC.card.data, 'fix-drop'), {
      formValue: { reason: '先不改' },
    });
    const late = await clickDirect(org.archivist, actionValue(approvedC.card.data, 'fix-waive'), {
      formValue: { reason: '本村也没有' },
    });
    expect(late.toast.type).toBe('success');
    expect(late.toast.content).toContain('已设为免交（本村也没有）');
    expect(late.toast.content).not.toContain('告知申请人');
    expect(await closings(closedFirst.itemId)).toEqual([
      { action: 'correction_dropped', request_id: expect.any(Number), done: null },
    ]);
  });
  /**
   * An approved request on an item confirmed meanwhile: its card offers 撤销确认, and the card that
   * redraws still carries the request, so 改归 there carries it out. It redrew a plain card: the request
   * stayed owed and the requester was never told.
   */
  it('撤销确认 on an approved request’s card keeps the request: 改归 after it closes it and tells the requester', async () => {
    const filed = await fileOnePhoto();
    const approved = await approvedRequest(filed.fix, '确认后发现交错了');
    const requestId = Number(actionValue(approved.card.data, 'fix-describe').r);
    await sayToBot(h, { chatId, sender: org.archivist, text: '确认归档' }).then(async (preview) => {
      await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
        messageId: preview.messageId,
      });
    });
    await h.settle();
    await waitFor(
      'the 档号',
      async () =>
        (
          await queryRows(
            h.db.db,
            sql`select 1 from archive_records where item_id = ${filed.itemId} and status = 'confirmed'`,
          )
        ).length > 0,
    );
    const [to] = await otherTasks(filed.itemId);
    // 改归 on the request's card drawn before the confirmation: 撤销确认 offered, for this request.
    const stale = await clickDirect(org.archivist, actionValue(approved.card.data, 'fix-refile'), {
      option: String(to!.id),
    });
    const unconfirm = actionValue(stale.card.data, 'fix-unconfirm');
    expect(unconfirm.r).toBe(requestId);
    const taken = await clickDirect(org.archivist, unconfirm, { formValue: { reason: '交错了任务' } });
    expect(taken.toast.type).toBe('success');
    const refile = actionValue(taken.card.data, 'fix-refile');
    expect(refile.r).toBe(requestId);
    const moved = await clickDirect(org.archivist, refile, { option: String(to!.id) });
    expect(moved.toast.type).toBe('success');
    await h.settle();
    expect(await closings(filed.itemId)).toEqual([
      {
        action: 'correction_done',
        request_id: requestId,
        done: expect.stringContaining(`改归到「${to!.code} `),
      },
    ]);
    await waitFor('the requester told', () => sentTo(org.officer, `改归到「${to!.code} `)[0]);
  });
});
