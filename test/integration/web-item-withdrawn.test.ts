import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { recallEvent } from '../support/events.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/**
 * A confirmed 件 whose files were all recalled (撤回) in Lark is undone and its 档号 withdrawn by the bot.
 * The item page the archivist opens (HTTP, signed in through the fake Lark) says which 档号 it held and
 * that it was withdrawn and why, and the audit trail names the recall, instead of 「未确认归档」 as if the
 * 件 had never been numbered.
 */
describe('the item page of a 件 whose 档号 went with a recall', () => {
  let w: WebWorld;
  let archivist: string;
  let code: string;
  const archivalCodeOf = (page: string) =>
    /<dd id="archival-code">([\s\S]*?)<\/dd>/
      .exec(page)?.[1]
      ?.replace(/<[^>]+>/g, '')
      .trim();

  beforeAll(async () => {
    w = await createWebWorld('WW');
    archivist = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    const res = await confirmArchive(
      { db: w.h.db.db, clock: w.clock, rules: TEST_ARCHIVE_CONFIG },
      // seedOrg's campaign year.
      { unitId: w.units.village.id, year: 2026, actor: 'cli', source: 'cli' },
    );
    code = res.status === 'confirmed' ? res.records.find((r) => r.itemId === w.itemId)!.archivalCode : '';
    expect(code).not.toBe('');
  });
  afterAll(() => w?.close());

  it('shows the live 档号, then the withdrawn one with its reason and the recall in the audit trail', async () => {
    const before = await (await w.get(`/items/${w.itemId}`, archivist)).text();
    expect(archivalCodeOf(before)).toBe(code);

    const [m] = await queryRows<{ message_id: string; chat_id: string }>(
      w.h.db.db,
      sql`select message_id, chat_id from materials where id = ${w.materialId}`,
    );
    const res = await w.h.post(
      recallEvent({
        appId: w.h.fake.appId,
        messageId: m!.message_id,
        chatId: m!.chat_id,
        recallType: 'group_manager',
      }),
    );
    expect(res.status).toBe(200);
    await w.h.settle();

    const page = await w.get(`/items/${w.itemId}`, archivist);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(archivalCodeOf(text)).toMatch(
      new RegExp(
        `^${code.replace(/[.·]/g, '\\$&')} 档号已停用（材料已撤回，\\d{1,2}月\\d{1,2}日 \\d{2}:\\d{2}）$`,
      ),
    );
    expect(text).toContain('已撤销');
    const audit = /<table id="audit">([\s\S]*?)<\/table>/.exec(text)![1]!;
    expect(audit).toContain('<td>撤回</td>');
    expect(audit).toContain('<td>飞书（群管理员）</td>');
    expect(audit).toContain('<td>撤销确认</td>');
    expect(audit).not.toContain('lark:');
  });
});
