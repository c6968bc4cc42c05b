import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { bindChat } from '../../src/usecases/bind-chat.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { postPhoto, postText, replyAfterQuiet, tapPhotoTask } from '../support/chat-photos.js';
import { recallEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const PUBLIC_URL = 'https://archive.example.test';

/**
 * A text recalled (撤回) after the bot copied it into a burst's caption and a filing's 题名 (e.g. a
 * neighbour's ID number typed into the wrong chat) leaves both; the other texts stay. A confirmed 件's
 * 题名 is not rewritten: its archivist is told. Messages and the recall come through the webhook.
 */
describe('a recalled text leaves the caption and 题名 it was copied into', () => {
  let h: Harness;
  let org: SeededOrg;
  let villageId: number;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  const secret = '王五身份证号410101199001011234';

  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock, env: { STORED_REACTION: 'off', PUBLIC_URL } });
    org = await seedOrg(h.db.db, { prefix: 'RT', clock });
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    villageId = (await getUnitByCode(h.db.db, org.village))!.id;
    await bindChat({ db: h.db.db, clock }, { chatId, unitId: villageId, actorOpenId: org.officer });
  });
  afterAll(() => h.close());

  const recall = async (messageId: string) => {
    const res = await h.post(
      recallEvent({ appId: h.fake.appId, messageId, chatId, recallTimeMs: clock.now().getTime() }),
    );
    expect(res.status).toBe(200);
    await h.settle();
  };
  /** Two photos with a caption and the wrong text after them, filed by the card's photo task. */
  const fileWithWrongText = async (caption: string) => {
    await postText(h, { chatId, sender: org.officer, text: caption });
    const first = await postPhoto(h, { chatId, sender: org.officer });
    await postPhoto(h, { chatId, sender: org.officer });
    const wrong = await postText(h, { chatId, sender: org.officer, text: secret });
    const ack = await replyAfterQuiet(h, clock, first);
    expect((await tapPhotoTask(h, ack, { operator: org.officer, chatId })).toast.type).toBe('success');
    await h.settle();
    return { first, wrong };
  };
  const filingOf = async (firstMessageId: string) =>
    (
      await queryRows<{ item_id: number; title: string; caption: string | null; doc: string }>(
        h.db.db,
        sql`select fi.id::int as item_id, fi.title, b.caption, s.doc from filing_items fi
            join bursts b on b.id = fi.burst_id left join item_search s on s.item_id = fi.id
            where b.first_message_id = ${firstMessageId} and fi.undone_at is null`,
      )
    )[0]!;

  it('a filing not yet confirmed: the caption and the 题名 lose the recalled words, keep the rest', async () => {
    const { first, wrong } = await fileWithWrongText('危房改造前 张三家');
    const before = await filingOf(first);
    expect(before.title).toContain(secret);

    await recall(wrong);
    const after = await filingOf(first);
    expect(after.caption).toBe('危房改造前 张三家');
    expect(after.title).toBe('危房改造前 张三家');
    // Search reads the caption and the 题名: the recalled words are not found any more.
    expect(after.doc).not.toContain(secret);
    // The audit trail names what changed by id, never the words.
    const [audit] = await queryRows<{ details: Record<string, unknown> }>(
      h.db.db,
      sql`select details from audit_log where action = 'recall' and details->>'messageId' = ${wrong}`,
    );
    expect(audit!.details).toMatchObject({ retitled: [after.item_id] });
    expect(JSON.stringify(audit!.details)).not.toContain('王五');
  });

  it('a confirmed 件: its 题名 stays as confirmed and the archivist is told what it would be', async () => {
    const { first, wrong } = await fileWithWrongText('危房改造后 李四家');
    const { item_id: itemId } = await filingOf(first);
    const confirmed = await confirmArchive(
      { db: h.db.db, clock, rules: TEST_ARCHIVE_CONFIG },
      { unitId: villageId, year: 2026, actor: 'cli', source: 'cli' },
    );
    expect(confirmed.status).toBe('confirmed');
    const [record] = await queryRows<{ code: string }>(
      h.db.db,
      sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
    );

    await recall(wrong);
    const after = await filingOf(first);
    expect(after.caption).toBe('危房改造后 李四家');
    expect(after.title).toContain(secret);
    const told = h.fake
      .sentMessages()
      .filter((m) => m.receiveId === org.archivist)
      .map((m) => (m.content as { text: string }).text);
    expect(told).toEqual([expect.stringContaining(`已确认归档的 ${record!.code}`)]);
    expect(told[0]).toContain('的题名取自一条被发送人撤回的消息，题名没有自动修改');
    expect(told[0]).toContain('「危房改造后 李四家」');
    // Where to correct it: the item page's 更正著录 form (an archivist has no shell), not the CLI.
    expect(told[0]).toContain(`请核对后更正题名。请在条目页更正：${PUBLIC_URL}/items/${itemId}#describe`);
    expect(told[0]!.endsWith(`/items/${itemId}#describe`)).toBe(true);
    expect(told[0]).not.toContain('archive describe');
    expect(told[0]).not.toContain(secret);
  });
});
