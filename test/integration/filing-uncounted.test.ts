import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bindVillageChat } from '../support/bound-chat.js';
import { buttonValue, cardButtonElements, cardButtons, cardLinks, cardMenus } from '../support/cards.js';
import { nextCreateTime, postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { sayToBot, tapCard } from '../support/chat-actions.js';
import { cardActionEvent, messageEvent, recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
type Answer = { toast?: { type: string; content: string }; card?: { data: unknown } };

/**
 * What the filed card says about the files in it: those its task does not ask for (a PDF and a voice
 * note filed to a photo task), and those recalled (撤回) after the filing.
 */
describe('the filed card, file by file', () => {
  let h: Harness;
  let org: SeededOrg;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ clock, env: { PUBLIC_URL: 'https://archive.example.cn' } });
    org = await seedOrg(h.db.db, { prefix: 'UC' });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const tap = (value: Record<string, unknown>, messageId: string): Promise<Answer> =>
    tapCard(h, { operator: org.officer, value, chatId, messageId });
  const post = async (msgType: string, content: Record<string, unknown>, bytes: Buffer) => {
    const messageId = id('om_');
    h.fake.addResource({ messageId, fileKey: String(content.file_key), bytes });
    const res = await h.post(
      messageEvent({
        appId: h.fake.appId,
        chatId,
        messageId,
        senderOpenId: org.officer,
        msgType,
        content,
        createTimeMs: nextCreateTime(h),
      }),
    );
    expect(res.status).toBe(200);
    return messageId;
  };
  /** Files the burst answered by `card` to C05 (重要会议现场照片: photos only, 3 wanted), as its card offers it. */
  const fileToC05 = async (card: { content: unknown; messageId: string }): Promise<Answer> => {
    const button = cardButtons(card.content).find(
      (b) => b.value.a === 'file' && b.text.includes('会议现场照片'),
    );
    if (button) return tap(button.value, card.messageId);
    const menu = cardMenus(card.content).find((m) => m.options.some((o) => o.text.includes('会议现场照片')))!;
    const option = menu.options.find((o) => o.text.includes('会议现场照片'))!.value;
    const res = await h.post(
      cardActionEvent({
        appId: h.fake.appId,
        operatorOpenId: org.officer,
        value: menu.value,
        option,
        chatId,
        messageId: card.messageId,
      }),
    );
    return (await res.json()) as Answer;
  };

  it('says which files a photo task does not count, and how to file them elsewhere', async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await post('file', { file_key: id('file_'), file_name: 'scan001.pdf' }, Buffer.from('%PDF-1.4\n%%EOF\n'));
    const opus = readFileSync(new URL('../fixtures/audio/lark-voice-note.opus', import.meta.url));
    await post('audio', { file_key: id('au_'), duration: 3000 }, opus);
    const card = await replyAfterQuiet(h, clock, photo);
    expect(JSON.stringify(card.content)).toContain('收到 1 张照片、1 个文件、1 段语音');

    const filed = await fileToC05(card);
    expect(filed.toast?.type).toBe('success');
    // Before: 「（材料 3 份），还缺 2 张照片」 and nothing on the PDF and the voice note.
    expect(filed.toast?.content).toContain('其中 1 个文件、1 段语音不是照片，不计入本任务');
    const text = JSON.stringify(filed.card!.data);
    expect(text).toContain('要3张，交了1张，还差2张');
    expect(text).toContain(
      '⚠️ 其中 1 个文件、1 段语音不是照片，不计入本任务；要交到别的任务，请先撤销，再点「分开交」',
    );

    // The way out it names: 撤销, then 分开交 on the card it becomes.
    const ask = await tap(buttonValue(filed.card!.data, 'undo'), card.messageId);
    const sure = cardButtonElements(ask.card!.data).find((x) => x.value?.a === 'undo' && x.value.sure === 1)!;
    const undone = await tap(sure.value, card.messageId);
    expect(undone.toast?.type).toBe('success');
    const split = await tap(buttonValue(undone.card!.data, 'split'), card.messageId);
    expect(split.toast?.type).toBe('success');
  });

  it('one voice note filed to a photo task: the way out is 撤销 then another task, as there is no 分开交', async () => {
    const opus = readFileSync(new URL('../fixtures/audio/lark-voice-note.opus', import.meta.url));
    const voice = await post('audio', { file_key: id('au_'), duration: 3000 }, opus);
    const card = await replyAfterQuiet(h, clock, voice);
    expect(JSON.stringify(card.content)).toContain('收到 1 段语音');

    const filed = await fileToC05(card);
    expect(filed.toast?.type).toBe('success');
    expect(filed.toast?.content).toContain('这段语音不是照片，不计入本任务');
    const text = JSON.stringify(filed.card!.data);
    // Before: 「其中 1 段语音不是照片，不计入本任务；要交到别的任务，请先撤销，再点「分开交」」, a button
    // the card undone does not have (a burst of one file has nothing to split).
    expect(text).toContain('⚠️ 这段语音不是照片，不计入本任务；要交到别的任务，请先撤销，再选别的任务');
    expect(text).not.toContain('分开交');
    expect(text).not.toContain('其中 1 段');

    const ask = await tap(buttonValue(filed.card!.data, 'undo'), card.messageId);
    const sure = cardButtonElements(ask.card!.data).find((x) => x.value?.a === 'undo' && x.value.sure === 1)!;
    const undone = await tap(sure.value, card.messageId);
    expect(undone.toast?.type).toBe('success');
    expect(cardButtons(undone.card!.data).some((b) => b.value.a === 'split')).toBe(false);
    expect(cardButtons(undone.card!.data).some((b) => b.value.a === 'file')).toBe(true);
  });

  it('draws the filed card again without a file recalled from it, once per recall', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await postPhoto(h, { chatId, sender: org.officer }));
    const card = await replyAfterQuiet(h, clock, ids[0]!);
    const filed = await fileToC05(card);
    expect(filed.toast?.type).toBe('success');
    expect(JSON.stringify(filed.card!.data)).toContain('收到 3 张照片');
    await h.settle();

    const patchesOf = () => h.fake.patches().filter((p) => p.messageId === card.messageId);
    const recall = async (messageId: string, n: number) => {
      const res = await h.post(
        recallEvent({ appId: h.fake.appId, messageId, chatId, recallTimeMs: clock.now().getTime() }),
      );
      expect(res.status).toBe(200);
      return waitFor(`the filed card drawn again (${n})`, async () => {
        await h.settle();
        return patchesOf().length >= n && patchesOf();
      });
    };

    // Before: the card kept 「收到 3 张照片」, only a reply under it said what happened.
    const once = await recall(ids[2]!, 1);
    let text = JSON.stringify(once[0]!.content);
    expect(text).toContain('收到 2 张照片');
    expect(text).toContain('已撤回 1 张照片，不再归档');
    expect(text).toContain('✅ 已交到');
    expect(text).toContain('要3张，交了2张，还差1张');
    expect(buttonValue(once[0]!.content, 'undo')).toBeDefined();

    const twice = await recall(ids[1]!, 2);
    text = JSON.stringify(twice[1]!.content);
    expect(text).toContain('收到 1 张照片');
    expect(text).toContain('已撤回 2 张照片，不再归档');
    expect(text).toContain('要3张，交了1张，还差2张');
    // Exactly once per recall, even when Lark delivers a recall again.
    await h.post(
      recallEvent({ appId: h.fake.appId, messageId: ids[1]!, chatId, recallTimeMs: clock.now().getTime() }),
    );
    await h.settle();
    expect(patchesOf()).toHaveLength(2);
    // The reply under the card still says it, once per outcome.
    expect(
      h.fake.sentMessages().filter((m) => m.replyTo === card.messageId && m.msgType === 'text'),
    ).toHaveLength(1);
  });
  it('确认归档 names the 件 holding files their task does not count before numbering, with a link to look', async () => {
    const photo = await postPhoto(h, { chatId, sender: org.officer });
    await post('file', { file_key: id('file_'), file_name: 'minutes.pdf' }, Buffer.from('%PDF-1.4\n%%EOF\n'));
    const filed = await fileToC05(await replyAfterQuiet(h, clock, photo));
    expect(filed.toast?.type).toBe('success');
    const preview = await sayToBot(h, { chatId, sender: org.archivist, text: '确认归档' });
    const text = JSON.stringify(preview.content);
    // Before: only counts per class; the PDF in the photo task showed only on the officer's filed card.
    expect(text).toContain('**1件里有任务不计的文件**，可能交错了任务（可以先用「查」改归再确认）：');
    expect(text).toMatch(/- &#35;C05 [^"]*：其中 1 个文件不是照片，不计入本任务/);
    // The 保管期限 as the archivist reads it, not its code (「保管Y」).
    expect(text).toContain('综合类 · 2026年度 · 保管期限永久：2件');
    const [, url] = cardLinks(preview.content).find(([label]) => label === '逐项查看')!;
    // The 件 it would number, each openable (it opened the progress page, which lists no 件).
    expect(url).toMatch(/^https:\/\/archive\.example\.cn\/units\/\d+\/unconfirmed\?year=2026$/);
    // Its photo group has no 地点 or 人物: the line opens those alone.
    expect(text).toContain(`[逐组查看、补写说明](${url}&gaps=1)`);
  });
});
