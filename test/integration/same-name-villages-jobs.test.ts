import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { insertBinding } from '../../src/db/repos/units-chat-bindings.js';
import { silentLogger } from '../../src/logger.js';
import { retireUnit } from '../../src/usecases/retire-unit.js';
import { archiveFeature } from '../../src/wiring/archive.js';
import { actionValue, sayToBot, tapIn } from '../support/chat-actions.js';
import type { Harness } from '../support/harness.js';
import {
  confirmJobOfCard,
  createArchiveFixture,
  minimalPdf,
  startArchiveHarness,
  type ArchiveFixture,
} from './archive-fixtures.js';

/**
 * The archive fixture's 甲镇 has a 东村, and here 乙镇 has one too. What a job tells the chat when it
 * finishes (确认归档's card, 导出's summary and its note in the group, 四性检测's line in the group) named
 * only 「东村」: the county's archivist could not tell which 东村's package or check it was. Now it says
 * 甲镇东村, and the command it says to send names it so; with 乙镇's 东村 retired, 东村 as before.
 * Webhook in, the real SDK against the fake Lark, a real database and data folder; the queued jobs run
 * as the worker runs them.
 */
describe('job results name a 东村 apart when another township has a 东村', () => {
  let f: ArchiveFixture;
  let h: Harness;
  /** 甲镇's chat: 东村 there is 甲镇's. */
  const group = 'oc_jz_group';

  beforeAll(async () => {
    f = await createArchiveFixture();
    const now = f.clock.now();
    // Full names as an import writes them; 乙镇 (T2) and its 东村 (V3) beside 甲镇.
    for (const [key, full] of [
      ['X', '测试县'],
      ['T1', '测试县/甲镇'],
      ['V1', '测试县/甲镇/东村'],
      ['V2', '测试县/甲镇/西村'],
    ] as const)
      await f.db.execute(sql`update units set full_name = ${full} where id = ${f.unit[key].id}`);
    let parent = f.unit.X;
    for (const [code, name, kind, full] of [
      ['T2', '乙镇', 'township', '测试县/乙镇'],
      ['V3', '东村', 'village', '测试县/乙镇/东村'],
    ] as const) {
      const [row] = await queryRows<{ id: number }>(
        f.db,
        sql`insert into units (code, name, kind, parent_id, path, full_name, created_at, updated_at)
            values (${code}, ${name}, ${kind}, ${parent.id}, '', ${full}, ${now}, ${now}) returning id::int as id`,
      );
      const id = Number(row!.id);
      const path = `${parent.path}${id}/`;
      await f.db.execute(sql`update units set path = ${path} where id = ${id}`);
      parent = { id, path };
    }
    await insertBinding(f.db, { chatId: group, unitId: f.unit.T1.id, boundBy: null }, now);
    h = await startArchiveHarness(f, {}, [archiveFeature]);
    // The test runs the queued jobs, as the worker would.
    h.bot.jobWorker.pause();
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
  });
  afterAll(async () => {
    await h.close();
    await f.close();
  });
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const says = (text: string) => sayToBot(h, { chatId: group, sender: 'ou_archivist', text });
  const textOf = (m: { content: unknown }) => (m.content as { text: string }).text;
  const run = async (kind: string, payload: unknown) =>
    h.bot.features.jobs.get(kind)!.run(payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
  /** The payload of the `kind` job the message `asked` queued. */
  const jobOf = async (kind: string, asked: string) => {
    const [job] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = ${kind} and (key = ${`chat-${asked}`} or key = ${asked}
            or payload->>'messageId' = ${asked}) order by id desc limit 1`,
    );
    return job!.payload;
  };
  /** 四性检测 东村 2025 in 甲镇's chat, its job run: the line the group is told. */
  const fourProperties = async () => {
    const asked = (await says('四性检测 东村 2025')).asked;
    await run('four-properties-check', await jobOf('four-properties-check', asked));
    return h.fake
      .sentMessages()
      .filter((m) => m.receiveId === group && m.msgType === 'text' && m.replyTo !== asked)
      .map(textOf)
      .filter((t) => t.includes('四性检测通过'))
      .at(-1);
  };

  it('确认归档, 导出 and 四性检测 of 甲镇’s 东村 say 甲镇东村 when they finish', async () => {
    // Before: 「已确认归档东村2025年度 1 件」, 「东村2025年度移交包已生成」, 「东村2025年度四性检测通过」.
    const preview = await says('确认归档 东村 2025');
    await tapIn(h, group, 'ou_archivist', actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    const confirming = await confirmJobOfCard(f.db, h, preview.messageId);
    await run('archive-confirm', confirming.payload);
    expect(confirming.card()).toContain('已确认归档甲镇东村2025年度 1 件');

    const exported = await says('导出 东村 2025');
    await run('archive-export', await jobOf('archive-export', exported.asked));
    const note = h.fake
      .sentMessages()
      .find((m) => m.replyTo === exported.asked && textOf(m).includes('</at>'));
    expect(textOf(note!)).toContain('</at> 甲镇东村2025年度移交包已私信发给您');
    const summary = h.fake
      .sentMessages()
      .filter((m) => m.receiveId === 'ou_archivist' && m.msgType === 'text')
      .map(textOf)
      .find((t) => t.includes('移交包已生成'));
    expect(summary).toMatch(/^甲镇东村2025年度移交包已生成/);

    expect(await fourProperties()).toMatch(/^甲镇东村2025年度四性检测通过/);
  });

  it('with 乙镇’s 东村 retired, the result says 东村 as before', async () => {
    await retireUnit({ db: f.db, clock: f.clock, timeZone: 'Asia/Shanghai' }, { code: 'V3' });
    expect(await fourProperties()).toMatch(/^东村2025年度四性检测通过/);
  });
});
