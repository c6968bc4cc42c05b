import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';
import { cliInProcess } from '../support/cli-in-process.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const HOUR = 3600_000;

/** Corrections in the chat (issue 14): 更正, 查, 撤销 asking first, 申请更正 → 同意/不同意. */
describe('corrections from cards and the 查 command', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  /** The item whose correction request the archivist approved and has still to carry out. */
  let approvedItem = 0;
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'K', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          select ${chatId}, id, 'active', 'cli', ${clock.now()} from units where code = ${org.village}`,
    );
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  /** The archivist's command `text` in the chat, through the webhook; the bot's reply to it. */
  const archivistSays = (text: string) => sayToBot(h, { chatId, sender: org.archivist, text });
  const valueOf = actionValue;
  const taskId = async (unit: string, code: string) =>
    (
      await queryRows<{ id: number }>(
        h.db.db,
        sql`select t.id::int as id from tasks t join units u on u.id = t.unit_id where u.code = ${unit} and t.code = ${code}`,
      )
    )[0]!.id;
  const itemRow = async (itemId: unknown) =>
    (
      await queryRows<{ code: string; undone: boolean }>(
        h.db.db,
        sql`select t.code, fi.undone_at is not null as undone from filing_items fi join tasks t on t.id = fi.task_id
            where fi.id = ${Number(itemId)}`,
      )
    )[0];
  const audits = async (itemId: unknown) =>
    (
      await queryRows<{ action: string; actor: string }>(
        h.db.db,
        sql`select action, actor from audit_log where item_id = ${Number(itemId)} order by id`,
      )
    ).map((r) => `${r.action}:${r.actor}`);

  /** Posts a photo and files it from the card with one tap; the filed card's response. */
  const fileOnePhoto = async (): Promise<any> => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, messageId);
    const filed = await click(org.officer, valueOf(ack.content, 'file'), { messageId: ack.messageId });
    expect(filed.toast.type).toBe('success');
    // The card the taps come from (the filing card, replaced in place).
    return { ...filed, messageId: ack.messageId };
  };

  it('撤销 asks first; an archivist refiles, waives with a reason and unfiles from 更正; others are refused', async () => {
    const filed = await fileOnePhoto();
    const card = filed.card.data;
    expect(card.config.summary.content).toBeTruthy();
    const undo = valueOf(card, 'undo');
    const fix = valueOf(card, 'fix');
    const itemId = undo.i;
    const before = await itemRow(itemId);

    // One stray tap on 撤销 changes nothing: it asks, and 不撤销 brings the filed card back.
    const asked = await click(org.officer, undo, { messageId: filed.messageId });
    expect(JSON.stringify(asked.card.data)).toContain('确定撤销');
    expect(await itemRow(itemId)).toEqual(before);
    const back = await click(org.officer, valueOf(asked.card.data, 'filed-view'), {
      messageId: filed.messageId,
    });
    expect(JSON.stringify(back.card.data)).toContain('已交到');

    // The filer within 24 hours is pointed to 撤销; a stranger is refused.
    expect((await click(org.officer, fix)).toast.content).toContain('撤销');
    expect((await click('ou_stranger', fix)).toast.type).toBe('error');

    // The archivist: 改归 to another task of the village (a forged task of the other village is refused).
    const opened = await click(org.archivist, fix);
    const menu = valueOf(opened.card.data, 'fix-refile');
    const otherVillage = await taskId(`${org.township.slice(0, 1)}12`, before!.code);
    const forged = await click(org.archivist, menu, { option: String(otherVillage) });
    expect(forged.toast.type).toBe('error');
    expect(forged.toast.content).toContain('只能改归到城关村自己的任务');
    // … and says the way there: 河口村's own chat (not bound yet), then 撤下 here.
    expect(forged.toast.content).toContain(
      '河口村还没有绑定工作群，请先在河口村的群里 @我 发送「绑定 河口村」；请把这件的材料转发到河口村的工作群，在群里交到这项任务，再把这里的这件撤下',
    );
    expect(await itemRow(itemId)).toEqual(before);
    const target = await taskId(org.village, 'C01');
    const moved = await click(org.archivist, menu, { option: String(target) });
    expect(moved.toast.type).toBe('success');
    expect((await itemRow(itemId))!.code).toBe('C01');
    expect(
      await click('ou_stranger', menu, { option: String(await taskId(org.village, 'C02')) }),
    ).toMatchObject({
      toast: { type: 'error' },
    });
    expect((await itemRow(itemId))!.code).toBe('C01');

    // 免交 needs a reason.
    const reopened = await click(org.archivist, fix);
    const waive = valueOf(reopened.card.data, 'fix-waive');
    const bare = await click(org.archivist, waive, { formValue: { reason: '  ' } });
    expect(bare.toast).toEqual({ type: 'error', content: '请写明免交原因' });
    const waived = await click(org.archivist, waive, { formValue: { reason: '本村没有此项' } });
    expect(waived.toast.content).toContain('免交（本村没有此项）');
    const [task] = await queryRows<{ state: string }>(
      h.db.db,
      sql`select state from tasks where id = ${target}`,
    );
    expect(task?.state).toBe('waived');

    // 撤下 asks once more, then takes the item off.
    const unfile = valueOf((await click(org.archivist, fix)).card.data, 'fix-unfile');
    expect(await click(org.officer, unfile)).toMatchObject({ toast: { type: 'error' } });
    const sure = await click(org.archivist, unfile);
    expect(JSON.stringify(sure.card.data)).toContain('确定撤下');
    expect((await itemRow(itemId))!.undone).toBe(false);
    const off = await click(org.archivist, valueOf(sure.card.data, 'fix-unfile'));
    expect(off.toast.type).toBe('success');
    expect((await itemRow(itemId))!.undone).toBe(true);
    expect(await audits(itemId)).toEqual([
      `file:${org.officer}`,
      `refile:${org.archivist}`,
      `unfile:${org.archivist}`,
    ]);
    // The officer is told which batch (the day, what it held), and that it waits in the group.
    const told = await waitFor('the officer told of 撤下', () =>
      h.fake
        .sentMessages()
        .map((m) => JSON.stringify(m.content))
        .find((t) => t.includes('已撤下') && t.includes('不再计入')),
    );
    expect(told).toMatch(/您\d+月\d+日在城关村交到「C01 [^」]*」的1张照片，档案员已撤下，不再计入这项任务。/);
    // The note comes by direct message, where 未归档 is sent without the @ (and lists what they sent).
    expect(told).toContain(
      '材料还保存在群里，等着重新交到任务里：在这里发送「未归档」可以看到并重新选择任务。',
    );
    // … and it does: 未归档 lists it.
    const list = await sayToBot(h, { chatId, sender: org.officer, text: '未归档' });
    expect(JSON.stringify(list.content)).toContain('本群还有 **1** 组材料没交到任务里');
  });

  /** The archivist takes the item off from its 更正 card (撤下, then once more); the note the filer gets. */
  const unfileAndTell = async (fix: Record<string, unknown>): Promise<string> => {
    const before = h.fake.sentMessages().length;
    const unfile = valueOf((await click(org.archivist, fix)).card.data, 'fix-unfile');
    const sure = await click(org.archivist, unfile);
    expect((await click(org.archivist, valueOf(sure.card.data, 'fix-unfile'))).toast.type).toBe('success');
    return waitFor('the officer told of 撤下', () =>
      h.fake
        .sentMessages()
        .slice(before)
        .filter((m) => m.receiveId === org.officer)
        .map((m) => JSON.stringify(m.content))
        .find((t) => t.includes('已撤下')),
    );
  };

  it('撤下 tells the filer what the item held (a copy the task had included) and where the materials wait', async () => {
    // A photo filed, then sent again with a new one and filed to the same task: the task counts only the
    // new one (n_photo 1), but the filer sent 2 and is told of 2.
    const seed = 7_114_201;
    const once = await postPhoto(h, { chatId, sender: org.officer, seed });
    const ack1 = await replyAfterQuiet(h, clock, once);
    const first = await click(org.officer, valueOf(ack1.content, 'file'), { messageId: ack1.messageId });
    expect(first.toast.type).toBe('success');
    const again = await postPhoto(h, { chatId, sender: org.officer, seed });
    await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, again);
    const taskOfFirst = await queryRows<{ t: number }>(
      h.db.db,
      sql`select task_id::int as t from filing_items where id = ${valueOf(first.card.data, 'fix').i}`,
    );
    const filed = await click(
      org.officer,
      { ...valueOf(ack.content, 'file'), t: taskOfFirst[0]!.t },
      { messageId: ack.messageId },
    );
    expect(filed.toast.type).toBe('success');
    const fix = valueOf(filed.card.data, 'fix');
    const [counted] = await queryRows<{ n_photo: number; n: number }>(
      h.db.db,
      sql`select fi.n_photo::int as n_photo, (select count(*)::int from filing_item_materials x where x.item_id = fi.id) as n
          from filing_items fi where fi.id = ${fix.i}`,
    );
    expect(counted).toEqual({ n_photo: 1, n: 2 });
    expect(await unfileAndTell(fix)).toMatch(/交到「[^」]*」的2张照片，档案员已撤下/);

    // A burst marked 不用交, then filed from another copy of its card: taken off, it is set aside
    // again (未归档 leaves it out), and the note says so, not 「发送「未归档」」.
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    const card = await replyAfterQuiet(h, clock, messageId);
    expect(
      (await click(org.officer, valueOf(card.content, 'skip'), { messageId: card.messageId })).toast,
    ).toBeTruthy();
    const fromCopy = await click(org.officer, valueOf(card.content, 'file'), { messageId: card.messageId });
    expect(fromCopy.toast.type).toBe('success');
    const told = await unfileAndTell(valueOf(fromCopy.card.data, 'fix'));
    expect(told).toContain(
      '这组材料之前被标为不用交，仍保存在群里；要交时，在群里它的卡片上点「重新选择任务」。',
    );
    expect(told).not.toContain('未归档');
  });

  it('after 24 hours the officer asks (once); the archivists get 同意/不同意 and the officer hears the outcome', async () => {
    const filed = await fileOnePhoto();
    const fix = valueOf(filed.card.data, 'fix');
    clock.advance(25 * HOUR);
    const form = await click(org.officer, fix);
    const request = valueOf(form.card.data, 'fix-request');
    expect((await click(org.officer, request, { formValue: { text: '' } })).toast.content).toBe(
      '请写明需要怎么改',
    );
    expect((await click('ou_stranger', request, { formValue: { text: '改到C03' } })).toast.type).toBe(
      'error',
    );
    const sent = await click(org.officer, request, { formValue: { text: '应该交到 C03' } });
    expect(sent.toast.type).toBe('success');
    const twice = await click(org.officer, request, { formValue: { text: '再说一次' } });
    expect(twice.toast).toEqual({ type: 'error', content: '已经申请过更正了，请等档案员处理' });
    await h.settle();
    const toArchivist = await waitFor('the request card to the archivist', () =>
      h.fake
        .sentMessages()
        .find((m) => m.receiveId === org.archivist && JSON.stringify(m.content).includes('应该交到 C03')),
    );
    const yes = valueOf(toArchivist.content, 'fix-answer');
    expect((await click(org.officer, yes)).toast.type).toBe('error');
    const answered = await click(org.archivist, yes);
    expect(answered.toast.type).toBe('success');
    expect(JSON.stringify(answered.card.data)).toContain('改归');
    // 同意 again on an approved request still owed: its correction card, not a dead end.
    const again = await click(org.archivist, yes);
    expect(again.toast.content).toBe('这个申请已同意，还没改好');
    expect(JSON.stringify(again.card.data)).toContain('不用改了');
    await h.settle();
    const told = await waitFor('the outcome to the officer', () =>
      h.fake
        .sentMessages()
        .find((m) => m.receiveId === org.officer && JSON.stringify(m.content).includes('已同意')),
    );
    expect(JSON.stringify(told.content)).toContain('应该交到 C03');
    // 申请更正 again while the 同意 is carried out: what is being done, no second form (a second request
    // approved too left two open); a form drawn before the 同意 is refused the same way.
    const meanwhile = await click(org.officer, fix);
    expect(meanwhile.toast).toEqual({
      type: 'info',
      content: '档案员已同意这件材料的更正申请，正在处理，不用再申请',
    });
    expect(JSON.stringify(meanwhile.card.data)).toContain('申请：应该交到 C03');
    expect(JSON.stringify(meanwhile.card.data)).not.toContain('怎么改');
    const late = await click(org.officer, request, { formValue: { text: '还没改' } });
    expect(late.toast).toEqual({
      type: 'error',
      content: '档案员已同意这件材料的更正申请，正在处理，不用再申请',
    });
    const itemId = Number(fix.i);
    expect((await audits(itemId)).filter((a) => a.startsWith('correction'))).toEqual([
      `correction_request:${org.officer}`,
      `correction_answer:${org.archivist}`,
    ]);
    approvedItem = itemId;
  });

  it('archive drop-request at the command line: 不用改了 for the approved request, audited, the officer told', async () => {
    const cli = (...args: string[]) => cliInProcess(['archive', ...args], {}, h.db);
    const before = await itemRow(approvedItem);
    const seen = h.fake.sentMessages().length;
    const res = await cli('drop-request', '--item', String(approvedItem), '--reason', '已当面核对，不用改');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('已关闭更正申请，已告知申请人：不用改了（申请：应该交到 C03）');
    expect(await itemRow(approvedItem)).toEqual(before);
    const [dropped] = await queryRows<{ actor: string; source: string; details: any }>(
      h.db.db,
      sql`select actor, source, details from audit_log
          where item_id = ${approvedItem} and action = 'correction_dropped'`,
    );
    expect(dropped).toMatchObject({ actor: 'cli', source: 'cli' });
    const details = typeof dropped!.details === 'string' ? JSON.parse(dropped!.details) : dropped!.details;
    expect(details.reason).toBe('已当面核对，不用改');
    await h.settle();
    const told = await waitFor('the officer told', () =>
      h.fake
        .sentMessages()
        .slice(seen)
        .find((m) => m.receiveId === org.officer && JSON.stringify(m.content).includes('不用改了')),
    );
    expect(JSON.stringify(told.content)).toContain('原因：已当面核对，不用改');
    // Closed: again, or an item with no approved request, is exit 1 and writes nothing.
    const again = await cli('drop-request', '--item', String(approvedItem));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('没有已同意、待更正的申请');
    expect((await cli('drop-request')).code).toBe(2);
    expect((await audits(approvedItem)).filter((a) => a.startsWith('correction_dropped'))).toEqual([
      'correction_dropped:cli',
    ]);
  });

  /** 不同意 said nothing but 「没有同意…请直接联系档案员」: no reason, and no name to ask. */
  it('不同意 takes a reason; the requester hears it and which archivist decided', async () => {
    const filed = await fileOnePhoto();
    clock.advance(25 * HOUR);
    const form = await click(org.officer, valueOf(filed.card.data, 'fix'));
    await click(org.officer, valueOf(form.card.data, 'fix-request'), { formValue: { text: '照片拍错了人' } });
    await h.settle();
    const toArchivist = await waitFor('the request card to the archivist', () =>
      h.fake
        .sentMessages()
        .find((m) => m.receiveId === org.archivist && JSON.stringify(m.content).includes('照片拍错了人')),
    );
    const no = JSON.stringify(toArchivist.content).match(/"value":(\{"a":"fix-answer","r":\d+,"ok":0\})/);
    expect(no).not.toBeNull();
    const declined = await click(org.archivist, JSON.parse(no![1]!), {
      formValue: { reason: '核对过，  没有拍错' },
    });
    expect(declined.toast).toMatchObject({ type: 'success', content: '已告知申请人：不同意' });
    await h.settle();
    const told = await waitFor('the outcome to the officer', () =>
      h.fake
        .sentMessages()
        .find((m) => m.receiveId === org.officer && JSON.stringify(m.content).includes('没有同意')),
    );
    expect(JSON.stringify(told.content)).toContain('档案员李档案没有同意您对');
    expect(JSON.stringify(told.content)).toContain(
      '（照片拍错了人）。原因：核对过， 没有拍错。如有疑问请直接联系档案员李档案。',
    );
  });

  /**
   * 同意 on a request whose 件 was 并入 another meanwhile told the requester 「会帮您改好」, and nothing ever
   * did (the owed list shows live items only). Now the request is closed and the requester told where it went.
   */
  it('同意 on a request whose 件 was merged away meanwhile closes it and tells the requester', async () => {
    const kept = await fileOnePhoto();
    const filed = await fileOnePhoto();
    const itemId = Number(valueOf(filed.card.data, 'undo').i);
    const keptId = Number(valueOf(kept.card.data, 'undo').i);
    clock.advance(25 * HOUR);
    const form = await click(org.officer, valueOf(filed.card.data, 'fix'));
    await click(org.officer, valueOf(form.card.data, 'fix-request'), {
      formValue: { text: '应和上一件是一件' },
    });
    await h.settle();
    const toArchivist = await waitFor('the request card to the archivist', () =>
      h.fake
        .sentMessages()
        .find((m) => m.receiveId === org.archivist && JSON.stringify(m.content).includes('应和上一件是一件')),
    );
    // Another archivist merges it on the command line before this one answers.
    const merged = await cliInProcess(
      ['archive', 'merge', '--item', String(keptId), '--from', String(itemId)],
      {},
      h.db,
    );
    expect(merged.code, merged.stderr).toBe(0);
    const yes = JSON.stringify(toArchivist.content).match(/"value":(\{"a":"fix-answer","r":\d+,"ok":1\})/);
    const seen = h.fake.sentMessages().length;
    const answered = await click(org.archivist, JSON.parse(yes![1]!));
    expect(answered.toast).toMatchObject({
      type: 'error',
      content: expect.stringMatching(/^这件材料已并入同一任务的另一件（.+），申请已关闭并告知申请人$/),
    });
    await h.settle();
    const told = await waitFor('the requester told', () =>
      h.fake
        .sentMessages()
        .find(
          (m) =>
            m.receiveId === org.officer && JSON.stringify(m.content).includes('应和上一件是一件）已关闭'),
        ),
    );
    // Named by its 题名, not by an item number the chat never shows.
    expect(JSON.stringify(told.content)).toMatch(
      /已关闭：这件材料已并入同一任务的另一件（[^）]+）。如有疑问请直接联系档案员李档案/,
    );
    expect(JSON.stringify(h.fake.sentMessages().slice(seen))).not.toContain('会帮您改好');
    // Closed: a second tap says so.
    expect((await click(org.archivist, JSON.parse(yes![1]!))).toast.content).toBe('这个申请已经处理过了');
  });

  it('查 lists recent items of the unit with 更正 buttons', async () => {
    const reply = await archivistSays('查 王村官');
    const text = JSON.stringify(reply.content);
    expect(text).toContain('城关村最近提交的材料');
    expect(text).toContain('王村官');
    const fix = valueOf(reply.content, 'fix');
    const opened = await click(org.archivist, fix);
    expect(JSON.stringify(opened.card.data)).toContain('撤下这件材料');
    const empty = await archivistSays('查 没有这个人');
    expect(JSON.stringify(empty.content)).toContain('没有找到');
  });
  it('a confirmed item: 更正 offers the archivist 撤销确认 with a reason (no server command); the 档号 is retired, audited, and the item can be corrected again', async () => {
    const filed = await fileOnePhoto();
    const fix = valueOf(filed.card.data, 'fix');
    const itemId = Number(fix.i);
    // The archivist confirms in the chat: 确认归档, then the preview card's button (a job numbers).
    const code = await confirmInChat(itemId);

    // 更正 on the confirmed item: it says why it cannot move, and offers 撤销确认 in the card itself.
    const opened = await click(org.archivist, fix);
    const text = JSON.stringify(opened.card.data);
    expect(text).toContain(code);
    expect(text).not.toContain('archive unconfirm');
    expect(text).not.toContain('撤下这件材料');
    const unconfirm = valueOf(opened.card.data, 'fix-unconfirm');

    // Nobody but an archivist; never without a reason.
    expect(await click(org.officer, unconfirm, { formValue: { reason: '改错了' } })).toMatchObject({
      toast: { type: 'error' },
    });
    expect((await click(org.archivist, unconfirm, { formValue: { reason: ' ' } })).toast).toEqual({
      type: 'error',
      content: '请写明撤销确认的原因',
    });
    const live = await queryRows(
      h.db.db,
      sql`select 1 from archive_records where item_id = ${itemId} and status = 'confirmed'`,
    );
    expect(live).toHaveLength(1);

    const done = await click(org.archivist, unconfirm, { formValue: { reason: '交错了任务，要改归' } });
    expect(done.toast.type).toBe('success');
    expect(done.toast.content).toContain(`档号 ${code} 停用`);
    // The card is the correction card again: 改归 and 撤下 work now.
    expect(JSON.stringify(done.card.data)).toContain('撤下这件材料');
    const [row] = await queryRows<{ status: string; reason: string | null }>(
      h.db.db,
      sql`select status, withdrawn_reason as reason from archive_records where archival_code = ${code}`,
    );
    expect(row).toEqual({ status: 'withdrawn', reason: '交错了任务，要改归' });
    const [audit] = await queryRows<{ actor: string; source: string; details: any }>(
      h.db.db,
      sql`select actor, source, details from audit_log where item_id = ${itemId} and action = 'unconfirm'`,
    );
    expect(audit).toMatchObject({
      actor: org.archivist,
      source: 'card',
      details: { archivalCode: code, reason: '交错了任务，要改归' },
    });
    // A second tap on the old card changes nothing more.
    const again = await click(org.archivist, unconfirm, { formValue: { reason: '再来一次' } });
    expect(JSON.stringify(again.card.data)).toContain('撤下这件材料');
    expect(
      await queryRows(
        h.db.db,
        sql`select 1 from audit_log where item_id = ${itemId} and action = 'unconfirm'`,
      ),
    ).toHaveLength(1);

    const to = (await itemRow(itemId))!.code === 'C02' ? 'C03' : 'C02';
    const moved = await click(org.archivist, valueOf(done.card.data, 'fix-refile'), {
      option: String(await taskId(org.village, to)),
    });
    expect(moved.toast.type).toBe('success');
    expect((await itemRow(itemId))!.code).toBe(to);
  });

  /** The archivist confirms the village's items in the chat (确认归档, then the preview's button). */
  const confirmInChat = async (itemId: number): Promise<string> => {
    const preview = await archivistSays('确认归档');
    await click(org.archivist, valueOf(preview.content, 'confirm-archive'), { messageId: preview.messageId });
    await h.settle();
    const [record] = await waitFor('the 档号', async () => {
      const rows = await queryRows<{ code: string }>(
        h.db.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      );
      return rows.length ? rows : undefined;
    });
    return record!.code;
  };

  it('an item confirmed within its 24 hours: 撤销 points to 申请更正 on a card that offers it, no loop, no 档号', async () => {
    const filed = await fileOnePhoto();
    const undo = valueOf(filed.card.data, 'undo');
    const itemId = Number(undo.i);
    const code = await confirmInChat(itemId);

    // 撤销 on the card drawn before the confirmation: told why and what to do, and the card offers it.
    const asked = await click(org.officer, undo, { messageId: filed.messageId });
    expect(asked.toast).toEqual({
      type: 'info',
      content: '档案员已确认归档这件材料，不能自行撤销；如要改动请点「申请更正」',
    });
    expect(JSON.stringify(asked.card.data)).not.toContain(code);
    expect(() => valueOf(asked.card.data, 'undo')).toThrow();
    expect(JSON.stringify(asked.card.data)).toContain('申请更正');
    // 确定撤销 from a question drawn before the confirmation: the same, nothing undone.
    const sure = await click(org.officer, { ...undo, sure: 1 }, { messageId: filed.messageId });
    expect(sure.toast.type).toBe('info');
    expect(sure.toast.content).not.toContain(code);
    expect(await itemRow(itemId)).toMatchObject({ undone: false });

    // 修改说明 redraws the filed card with the description form: 申请更正 again, never 撤销.
    const described = await click(
      org.officer,
      { a: 'describe-edit', i: itemId },
      { messageId: filed.messageId },
    );
    expect(JSON.stringify(described.card.data)).toContain('申请更正');
    expect(() => valueOf(described.card.data, 'undo')).toThrow();

    // 申请更正 opens the request form (it used to point back to 撤销: a loop).
    const fix = await click(org.officer, valueOf(asked.card.data, 'fix'), { messageId: filed.messageId });
    expect(fix.toast?.content ?? '').not.toContain('撤销');
    expect(JSON.stringify(fix.card.data)).toContain('怎么改');
    // Within the 24 hours: the reason is the confirmation, not 「提交已超过 24 小时」.
    expect(JSON.stringify(fix.card.data)).toContain('档案员已确认归档这件材料，不能自己撤销。');
    expect(JSON.stringify(fix.card.data)).not.toContain('24 小时');
  });

  /** The 档号 of `itemId`, if it holds one. */
  const liveCode = async (itemId: number) =>
    (
      await queryRows<{ code: string }>(
        h.db.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      )
    )[0]?.code;
  /** The card `messageId` as its job last drew it, once it says `says`. */
  const cardSaying = (messageId: string, says: string) =>
    waitFor(`the card saying ${says}`, () => {
      const last = h.fake
        .patches()
        .filter((p) => p.messageId === messageId)
        .at(-1)?.content;
      return last && JSON.stringify(last).includes(says) ? last : undefined;
    });

  it('确认归档 numbers only the 件 its preview showed: one filed after it gets no 档号, and the result says so', async () => {
    const first = Number(valueOf((await fileOnePhoto()).card.data, 'fix').i);
    const preview = await archivistSays('确认归档');
    const shown = Number(JSON.stringify(preview.content).match(/确认归档 (\d+)件/)![1]);
    // Another burst is filed while the card waits to be tapped.
    const after = Number(valueOf((await fileOnePhoto()).card.data, 'fix').i);
    await click(org.archivist, valueOf(preview.content, 'confirm-archive'), { messageId: preview.messageId });
    await h.settle();
    const result = JSON.stringify(await cardSaying(preview.messageId, '已确认归档'));
    expect(result).toContain(`已确认归档城关村2026年度 ${shown} 件`);
    expect(result).toContain(
      '另有 1 件是预览之后交的，这次没有编号；核对后请再发送「@归档助手 确认归档 城关村 2026」。',
    );
    expect(await liveCode(first)).toBeTruthy();
    expect(await liveCode(after)).toBeUndefined();
  });

  it('确认归档 after a 件 it showed was refiled numbers nothing: the preview is drawn again, and its button numbers', async () => {
    const filed = await fileOnePhoto();
    const itemId = Number(valueOf(filed.card.data, 'fix').i);
    const preview = await archivistSays('确认归档');
    // The archivist refiles it after the preview was drawn: its class or task is not what was shown.
    const opened = await click(org.archivist, valueOf(filed.card.data, 'fix'));
    const to = (await itemRow(itemId))!.code === 'C02' ? 'C03' : 'C02';
    const moved = await click(org.archivist, valueOf(opened.card.data, 'fix-refile'), {
      option: String(await taskId(org.village, to)),
    });
    expect(moved.toast.type).toBe('success');
    await click(org.archivist, valueOf(preview.content, 'confirm-archive'), { messageId: preview.messageId });
    await h.settle();
    const again = await cardSaying(preview.messageId, '请核对下面重新列出的材料再确认');
    expect(JSON.stringify(again)).toContain(
      '预览之后，其中有材料改归、撤下、改了分类或已由他人确认，这次没有编号',
    );
    expect(await liveCode(itemId)).toBeUndefined();
    // The card drawn again shows the 件 as they are now; its button numbers them.
    await click(org.archivist, valueOf(again, 'confirm-archive'), { messageId: preview.messageId });
    await h.settle();
    const result = JSON.stringify(await cardSaying(preview.messageId, '已确认归档'));
    expect(result).not.toContain('另有');
    expect(await liveCode(itemId)).toBeTruthy();
    expect((await itemRow(itemId))!.code).toBe(to);
  });

  it('确认归档 tapped on a preview drawn before its button carried what it showed: drawn again, nothing numbered', async () => {
    const itemId = Number(valueOf((await fileOnePhoto()).card.data, 'fix').i);
    const preview = await archivistSays('确认归档');
    const { u, y, n } = valueOf(preview.content, 'confirm-archive');
    await click(org.archivist, { a: 'confirm-archive', u, y, n }, { messageId: preview.messageId });
    await h.settle();
    const again = await cardSaying(preview.messageId, '请核对下面列出的材料再确认归档，确认后才编档号');
    expect(await liveCode(itemId)).toBeUndefined();
    expect(valueOf(again, 'confirm-archive')).toMatchObject({ u, y, n });
  });

  it('改归, 撤下 and 免交 on a correction card drawn before the item was confirmed: the card offers 撤销确认 instead, nothing changes', async () => {
    const filed = await fileOnePhoto();
    const fix = valueOf(filed.card.data, 'fix');
    const itemId = Number(fix.i);
    // The archivist opens 更正 …
    const opened = (await click(org.archivist, fix)).card.data;
    expect(JSON.stringify(opened)).toContain('撤下这件材料');
    // … and the item is confirmed from the chat's 确认归档 before anything is tapped on that card.
    const code = await confirmInChat(itemId);
    const before = await itemRow(itemId);
    const to = before!.code === 'C02' ? 'C03' : 'C02';
    const [waiveTask] = await queryRows<{ state: string }>(
      h.db.db,
      sql`select t.state from filing_items fi join tasks t on t.id = fi.task_id where fi.id = ${itemId}`,
    );
    const taps = [
      [valueOf(opened, 'fix-refile'), { option: String(await taskId(org.village, to)) }, '改归'],
      [valueOf(opened, 'fix-unfile'), {}, '撤下'],
      [{ ...valueOf(opened, 'fix-unfile'), sure: 1 }, {}, '撤下'],
      [valueOf(opened, 'fix-waive'), { formValue: { reason: '本村没有此项' } }, '免交'],
    ] as const;
    for (const [value, extra, what] of taps) {
      const res = await click(org.archivist, value, extra);
      expect(res.toast).toEqual({
        type: 'warning',
        content: `该件已确认归档（档号 ${code}），不能${what}；需要更正时先在卡片上撤销确认`,
      });
      const card = JSON.stringify(res.card.data);
      expect(card).toContain(code);
      expect(card).not.toContain('撤下这件材料');
      expect(valueOf(res.card.data, 'fix-unconfirm')).toEqual({ a: 'fix-unconfirm', i: itemId, nr: 1 });
    }
    expect(await itemRow(itemId)).toEqual(before);
    expect(await liveCode(itemId)).toBe(code);
    const [task] = await queryRows<{ state: string }>(
      h.db.db,
      sql`select t.state from filing_items fi join tasks t on t.id = fi.task_id where fi.id = ${itemId}`,
    );
    expect(task).toEqual(waiveTask);
    expect(await audits(itemId)).toEqual([`file:${org.officer}`, `confirm:${org.archivist}`]);
  });
});
