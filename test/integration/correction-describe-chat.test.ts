import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { openIdOf } from '../support/open-ids.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const HOUR = 3600_000;

/**
 * 更正著录 on the archivist's correction card (a confirmed item keeps its 档号), and what an approved
 * 申请更正 owes: closed by 不用改了, carried out only by a correction made for it, counted in full on 查.
 */
describe('更正著录 and 申请更正 on the correction card', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const direct = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'D', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  const clickDirect = (...a: TapArgs) => tapIn(h, direct, ...a);
  const archivistFinds = async (text: string) =>
    (await sayToBot(h, { chatId: direct, sender: org.archivist, text, chatType: 'p2p' })).content;
  const sentTo = (openId: string, words: string) =>
    h.fake.sentMessages().filter((m) => m.receiveId === openId && JSON.stringify(m.content).includes(words));
  /** The inputs of the card's 更正著录 form as drawn, in order. */
  const formInputs = (card: unknown): { name: string; default_value?: string; max_length: number }[] => {
    const forms: any[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o.tag === 'form' && String(o.name).startsWith('describe_fix_')) forms.push(o);
        Object.values(o).forEach(walk);
      }
    };
    walk(card);
    expect(forms).toHaveLength(1);
    return forms[0].elements.filter((e: any) => e.tag === 'input');
  };
  /** What the form sends when submitted untouched: name → the value drawn. */
  const drawnForm = (card: unknown): Record<string, string> =>
    Object.fromEntries(formInputs(card).map((i) => [i.name, i.default_value ?? '']));

  const fileOnePhoto = async () => {
    const messageId = await postPhoto(h, { chatId, sender: org.officer });
    const ack = await replyAfterQuiet(h, clock, messageId);
    const filed = await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
    expect(filed.toast.type).toBe('success');
    const fix = actionValue(filed.card.data, 'fix');
    return { itemId: Number(fix.i), fix };
  };
  /** The officer asks (after the 24 hours) and the archivist says 同意: the card that answers it. */
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
  const confirmAll = async (itemId: number): Promise<string> => {
    const preview = await sayToBot(h, { chatId, sender: org.archivist, text: '确认归档' });
    await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
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
  const descriptionOf = async (itemId: number) =>
    (
      await queryRows<{ title: string | null; responsible: string | null; doc_number: string | null }>(
        h.db.db,
        sql`select title, responsible, doc_number from item_descriptions where item_id = ${itemId}`,
      )
    )[0];

  it('a confirmed item: the archivist fixes its 题名 from 查 in a direct chat; the 档号 stays live, audited, the card redrawn', async () => {
    const { itemId } = await fileOnePhoto();
    const code = await confirmAll(itemId);

    const list = await archivistFinds(`查 城关村 ${code}`);
    const opened = await clickDirect(org.archivist, actionValue(list, 'fix'));
    const text = JSON.stringify(opened.card.data);
    expect(text).toContain('著录（题名、责任者、日期、文号）可以直接在下面更正，档号不变');
    expect(text).toContain('改归、撤下或免交才需要先撤销确认');
    expect(text).not.toContain('不能直接改归');
    const drawn = drawnForm(opened.card.data);
    expect(Object.keys(drawn)).toEqual(['title', 'responsible', 'date', 'docNumber']);
    const save = actionValue(opened.card.data, 'fix-describe');

    // A 题名 too long to be saved is refused before anything is written; the form allows no more.
    expect(formInputs(opened.card.data).map((i) => i.max_length)).toEqual([200, 100, 10, 50]);
    const tooLong = await clickDirect(org.archivist, save, {
      formValue: { ...drawn, title: '题'.repeat(201) },
    });
    expect(tooLong.toast.type).toBe('error');

    const fixed = await clickDirect(org.archivist, save, {
      formValue: { ...drawn, title: '城关村危房改造竣工验收照片' },
    });
    expect(fixed.toast).toEqual({ type: 'success', content: '已保存著录' });
    expect(await descriptionOf(itemId)).toMatchObject({
      title: '城关村危房改造竣工验收照片',
      responsible: null,
      doc_number: null,
    });
    const live = await queryRows<{ code: string }>(
      h.db.db,
      sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
    );
    expect(live).toEqual([{ code }]);
    const [audit] = await queryRows<{ actor: string; source: string; details: any }>(
      h.db.db,
      sql`select actor, source, details from audit_log where item_id = ${itemId} and action = 'describe'`,
    );
    expect(audit).toEqual({
      actor: org.archivist,
      source: 'card',
      details: { fields: { title: '城关村危房改造竣工验收照片' } },
    });
    // The card again, as it is now: its form holds the new 题名 (and marks it as drawn).
    expect(drawnForm(fixed.card.data).title).toBe('城关村危房改造竣工验收照片');
    expect(JSON.stringify(fixed.card.data)).toContain('已保存著录。');
    expect(actionValue(fixed.card.data, 'fix-describe')).not.toEqual(save);

    // The form opened before the save, sent again as it was drawn: nothing is undone.
    const stale = await clickDirect(org.archivist, save, { formValue: drawn });
    expect(stale.toast).toEqual({ type: 'info', content: '著录没有改动' });
    expect((await descriptionOf(itemId))!.title).toBe('城关村危房改造竣工验收照片');

    // A 文号 emptied on a form drawn with one: the document has none.
    const withNumber = await clickDirect(org.archivist, actionValue(fixed.card.data, 'fix-describe'), {
      formValue: { ...drawnForm(fixed.card.data), docNumber: '城政〔2025〕12号' },
    });
    expect(withNumber.toast.type).toBe('success');
    const none = await clickDirect(org.archivist, actionValue(withNumber.card.data, 'fix-describe'), {
      formValue: { ...drawnForm(withNumber.card.data), docNumber: '', title: '' },
    });
    expect(none.toast.type).toBe('success');
    // The emptied 题名 is left as it was (as on the item page).
    expect(await descriptionOf(itemId)).toMatchObject({
      title: '城关村危房改造竣工验收照片',
      doc_number: '',
    });
  });

  it('a card drawn with a 责任者 saves again (its mark is not the button’s action name)', async () => {
    const { itemId } = await fileOnePhoto();
    const first = await clickDirect(org.archivist, { a: 'fix', i: itemId });
    const saved = await clickDirect(org.archivist, actionValue(first.card.data, 'fix-describe'), {
      formValue: { ...drawnForm(first.card.data), responsible: '城关村村委会' },
    });
    expect(saved.toast).toEqual({ type: 'success', content: '已保存著录' });
    // The card drawn again holds the 责任者, and its 保存著录 still answers.
    expect(drawnForm(saved.card.data).responsible).toBe('城关村村委会');
    const again = await clickDirect(org.archivist, actionValue(saved.card.data, 'fix-describe'), {
      formValue: { ...drawnForm(saved.card.data), docNumber: '城政〔2025〕7号' },
    });
    expect(again.toast).toEqual({ type: 'success', content: '已保存著录' });
    expect(await descriptionOf(itemId)).toMatchObject({
      responsible: '城关村村委会',
      doc_number: '城政〔2025〕7号',
    });
  });

  it('a field another archivist or the command line changed since the card was drawn is not overwritten: the rest saves, the card shows theirs and says who', async () => {
    const { itemId } = await fileOnePhoto();
    const second = openIdOf('D_archivist2');
    const now = clock.now();
    await upsertPerson(h.db.db, { openId: second, name: '周档案' }, now);
    await addUnitRole(
      h.db.db,
      { unitId: (await getUnitByCode(h.db.db, org.village))!.id, openId: second, role: 'archivist' },
      now,
    );
    // The archivist's card is drawn; then the second archivist saves a 题名 on their own card.
    const mine = await clickDirect(org.archivist, { a: 'fix', i: itemId });
    const drawn = drawnForm(mine.card.data);
    const save = actionValue(mine.card.data, 'fix-describe');
    const theirs = await clickDirect(second, { a: 'fix', i: itemId });
    expect(
      (
        await clickDirect(second, actionValue(theirs.card.data, 'fix-describe'), {
          formValue: { ...drawnForm(theirs.card.data), title: '周档案定的题名' },
        })
      ).toast.type,
    ).toBe('success');

    // The stale card sends a new 题名 and a 责任者: the 责任者 saves, the 题名 stays theirs.
    const clash = await clickDirect(org.archivist, save, {
      formValue: { ...drawn, title: '我定的题名', responsible: '城关村村委会' },
    });
    expect(clash.toast).toEqual({
      type: 'warning',
      content: '已保存著录；「题名」已被周档案在卡片上改过，没有保存您填的',
    });
    expect(await descriptionOf(itemId)).toMatchObject({
      title: '周档案定的题名',
      responsible: '城关村村委会',
    });
    // The card drawn again with the values now, and what was typed for the clashing field.
    expect(drawnForm(clash.card.data)).toMatchObject({
      title: '周档案定的题名',
      responsible: '城关村村委会',
    });
    expect(JSON.stringify(clash.card.data)).toContain('您填的是题名「我定的题名」');
    const describes = await queryRows<{ actor: string; details: any }>(
      h.db.db,
      sql`select actor, details from audit_log where item_id = ${itemId} and action = 'describe' order by id`,
    );
    expect(describes).toEqual([
      { actor: second, details: { fields: { title: '周档案定的题名' } } },
      { actor: org.archivist, details: { fields: { responsible: '城关村村委会' } } },
    ]);

    // Only a clashing field changed (a 文号 the command line set since): nothing is saved.
    await runArchiveCommand(['describe', '--item', String(itemId), '--doc-number', '城政〔2025〕3号'], {
      db: h.db.db,
      env: {},
      out: () => undefined,
    });
    const only = await clickDirect(org.archivist, save, {
      formValue: { ...drawn, docNumber: '城政〔2025〕9号' },
    });
    expect(only.toast).toEqual({
      type: 'warning',
      content: '「文号」已被管理员（命令行）改过，没有保存您填的',
    });
    expect((await descriptionOf(itemId))!.doc_number).toBe('城政〔2025〕3号');
    expect(drawnForm(only.card.data).docNumber).toBe('城政〔2025〕3号');
  });

  it('不用改了 closes an approved request without a change: audited, the requester told, no longer owed', async () => {
    const { itemId, fix } = await fileOnePhoto();
    const approved = await approvedRequest(fix, '照片拍得不清楚');
    expect(JSON.stringify(approved.card.data)).toContain('不用改了');
    // 同意 tapped again: the request is still owed, its correction card opens again.
    const [, request] = JSON.stringify(approved.card.data).match(/"a":"fix-drop","r":(\d+)/)!;
    const again = await clickDirect(org.archivist, { a: 'fix-answer', r: Number(request), ok: 1 });
    expect(again.toast).toEqual({ type: 'info', content: '这个申请已同意，还没改好' });
    expect(JSON.stringify(again.card.data)).toContain('照片拍得不清楚');

    const drop = actionValue(again.card.data, 'fix-drop');
    expect((await clickDirect(org.officer, drop, { formValue: { reason: '不改' } })).toast.type).toBe(
      'error',
    );
    const dropped = await clickDirect(org.archivist, drop, { formValue: { reason: '已当面说明，照片可用' } });
    expect(dropped.toast.type).toBe('success');
    expect(JSON.stringify(dropped.card.data)).toContain('已关闭更正申请');
    await h.settle();
    const told = await waitFor('the requester told', () => sentTo(org.officer, '决定不用改了')[0]);
    const said = JSON.stringify(told.content);
    expect(said).toContain('照片拍得不清楚');
    expect(said).toContain('材料没有改动，申请已关闭');
    expect(said).toContain('原因：已当面说明，照片可用');
    // Named, as 不同意 names them: whom to ask (it said 「档案员」 alone).
    expect(said).toContain('档案员李档案看过后决定不用改了');
    expect(said).toContain('如有疑问请直接联系档案员李档案');
    const rows = await queryRows<{ action: string; actor: string; details: any }>(
      h.db.db,
      sql`select action, actor, details from audit_log where item_id = ${itemId} and action like 'correction%'
          order by id`,
    );
    expect(rows.map((r) => r.action)).toEqual([
      'correction_request',
      'correction_answer',
      'correction_dropped',
    ]);
    expect(rows[2]).toMatchObject({
      actor: org.archivist,
      details: { requestId: Number(request), reason: '已当面说明，照片可用' },
    });
    expect(JSON.stringify(await archivistFinds('查 城关村'))).not.toContain('照片拍得不清楚');
    // Closed: a second tap changes nothing, and 同意 no longer opens it.
    expect((await clickDirect(org.archivist, drop)).toast).toEqual({
      type: 'error',
      content: '这个申请已经改好或关闭了',
    });
    expect(sentTo(org.officer, '决定不用改了')).toHaveLength(1);
  });

  // Six photos filed, asked about and approved one by one through the chat: given longer than one step.
  it('the 查 card counts every owed request and says how to see those not listed', async () => {
    for (let n = 1; n <= 6; n++) await approvedRequest((await fileOnePhoto()).fix, `第${n}件要改`);
    const list = JSON.stringify(await archivistFinds('查 城关村'));
    expect(list).toContain('已同意、还没改好的更正申请（6）');
    expect(list).toContain('第1件要改');
    expect(list).toContain('第5件要改');
    expect(list).not.toContain('第6件要改');
    expect(list).toContain('这里列出最早同意的 5 件，还有 1 件');
  }, 120_000);
});
