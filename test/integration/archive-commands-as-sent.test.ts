import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { silentLogger } from '../../src/logger.js';
import { runFourPropertiesCheck } from '../../src/usecases/check-four-properties-run.js';
import { reportFourPropertiesRun } from '../../src/usecases/report-four-properties.js';
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
 * What the archivist is told to send next is the exact command, as it is sent where it is said: with
 * the unit and year the bot knows, and 「@归档助手」 in a group (the bot hears nothing else there).
 */
describe('archivist commands named as sent: 确认归档 and 四性检测', () => {
  let f: ArchiveFixture;
  let h: Harness;
  const group = 'oc_v1';
  const direct = 'oc_dm_archivist';
  const unbound = 'oc_unbound_group';

  beforeAll(async () => {
    f = await createArchiveFixture();
    h = await startArchiveHarness(f, {}, [archiveFeature]);
    // The tests run the queued jobs themselves.
    h.bot.jobWorker.pause();
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
  });
  afterAll(async () => {
    await h.close();
    await f.close();
  });
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const says = (chatId: string, text: string) =>
    sayToBot(h, {
      chatId,
      sender: 'ou_archivist',
      text,
      ...(chatId === direct ? { chatType: 'p2p' as const } : {}),
    });
  const textOf = (m: { content: unknown }) => (m.content as { text: string }).text;
  /** 确认归档 `args` in `chatId`, its card's button tapped: the card's queued job and its latest look. */
  const confirmByCard = async (chatId: string, args: string) => {
    const preview = await says(chatId, `确认归档 ${args}`);
    await tapIn(h, chatId, 'ou_archivist', actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    return confirmJobOfCard(f.db, h, preview.messageId);
  };
  const confirmJob = () => h.bot.features.jobs.get('archive-confirm')!;

  it('确认归档 or 四性检测 in a chat bound to no unit gives its example as sent there', async () => {
    expect(textOf(await says(unbound, '确认归档'))).toBe(
      '请在单位工作群里发送，或写上单位名称，如「@归档助手 确认归档 东村 2025」',
    );
    expect(textOf(await says(direct, '确认归档'))).toBe(
      '请在单位工作群里发送，或写上单位名称，如「确认归档 东村 2025」',
    );
    expect(textOf(await says(unbound, '四性检测'))).toBe(
      '请在单位工作群里发送，或写上单位名称，如「@归档助手 四性检测 东村 2025」',
    );
    expect(textOf(await says(direct, '四性检测'))).toBe(
      '请在单位工作群里发送，或写上单位名称，如「四性检测 东村 2025」',
    );
  });

  it('确认归档 with several years to confirm names the command with the unit and year, as sent here', async () => {
    // A 2024 campaign with a 件 of 东村 not yet confirmed, beside the 2025 one.
    const [camp] = await queryRows<{ id: number }>(
      f.db,
      sql`insert into campaigns (code, title, checklist_code, checklist_version, year, deadline, created_at, created_by)
          values ('JZFP2024', '2024年度', 'small', 1, 2024, ${f.clock.now()}, ${f.clock.now()}, 'cli')
          returning id::int as id`,
    );
    const [task] = await queryRows<{ id: number }>(
      f.db,
      sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
            min_count, keywords, due_at, responsible, created_at)
          values (${camp!.id}, ${f.unit.V1.id}, 'C01', 'C01', 1, '村两委会议记录', '综合类', 'D30', '{document}'::text[],
            1, '{}'::text[], ${f.clock.now()}, '{}'::text[], ${f.clock.now()}) returning id::int as id`,
    );
    const item = await f.fileItem(Number(task!.id), [
      { bytes: minimalPdf(1, Buffer.from('2024')), kind: 'document', mime: 'application/pdf' },
    ]);
    expect(textOf(await says(group, '确认归档 东村'))).toBe(
      '东村有多个年度待确认：2025年度 1件，2024年度 1件。请发送「@归档助手 确认归档 东村 2024」',
    );
    expect(textOf(await says(direct, '确认归档 东村'))).toBe(
      '东村有多个年度待确认：2025年度 1件，2024年度 1件。请发送「确认归档 东村 2024」',
    );
    // Out of the way of the next tests: 东村 has one year to confirm again.
    await f.db.execute(sql`update filing_items set undone_at = ${f.clock.now()} where id = ${item}`);
  });

  it('确认归档 whose job failed for good names the command to send again, with unit, year and task, as sent in the card’s chat', async () => {
    // The process died on its last attempt (the job's onDead): nothing was numbered.
    const inGroup = await confirmByCard(group, '东村 2025');
    await confirmJob().dead(inGroup.payload, silentLogger());
    expect(inGroup.card()).toContain(
      '确认归档没有完成，没有编任何档号。可以再发送一次「@归档助手 确认归档 东村 2025」；如果再次失败，请联系管理员。',
    );
    // In a direct chat with the bot, for one task: that task, without the @.
    const inDirect = await confirmByCard(direct, '东村 2025 C01');
    await confirmJob().dead(inDirect.payload, silentLogger());
    expect(inDirect.card()).toContain('可以再发送一次「确认归档 东村 2025 C01」；');
    // A job queued before its payload named the chat: the group form.
    const { chatId: _, ...older } = inDirect.payload;
    await confirmJob().dead(older, silentLogger());
    expect(inDirect.card()).toContain('可以再发送一次「@归档助手 确认归档 东村 2025 C01」；');
    // The last attempt failed with the unit gone: the bare command, as sent in this chat.
    await expect(
      confirmJob().run({ ...inDirect.payload, unitId: 999_999 }, silentLogger(), {
        attempts: 3,
        maxAttempts: 3,
      }),
    ).rejects.toThrow();
    expect(inDirect.card()).toContain('可以再发送一次「确认归档」；');
  });

  it('a failing 四性检测 report exactly as large as the chat upload limit is sent, as a package ZIP of that size is', async () => {
    // 东村 2025 confirmed through its card, then its file damaged: the check fails.
    const confirming = await confirmByCard(group, '东村 2025');
    await confirmJob().run(confirming.payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
    expect(confirming.card()).toContain('已确认归档');
    const [row] = await queryRows<{ key: string }>(
      f.db,
      sql`select m.storage_key as key from archive_records ar
          join filing_item_materials fim on fim.item_id = ar.item_id
          join materials m on m.id = fim.material_id where ar.status = 'confirmed' limit 1`,
    );
    const path = f.blobs.pathOf(row!.key);
    const bad = Buffer.from(readFileSync(path));
    bad[bad.length - 10]! ^= 0x01;
    chmodSync(path, 0o644);
    writeFileSync(path, bad);
    const run = await runFourPropertiesCheck(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025 },
      join(f.dataDir, 'reports'),
    );
    expect(run.report.passed).toBe(false);
    const size = statSync(run.xlsx).size;
    const report = async (requestId: string, uploadLimitBytes: number) => {
      const before = h.fake.sentMessages().length;
      await reportFourPropertiesRun(
        h.bot.deps,
        { alerts: { minIntervalMs: 0, timeZone: 'Asia/Shanghai' }, uploadLimitBytes },
        { unitId: f.unit.V1.id, year: 2025, chatId: group, requestId },
        run,
        silentLogger(),
      );
      return h.fake
        .sentMessages()
        .slice(before)
        .filter((m) => m.receiveId === group)
        .map((m) => m.msgType);
    };
    expect(await report('om_4p_at_limit', size)).toEqual(['text', 'file']);
    expect(await report('om_4p_over_limit', size - 1)).toEqual(['text']);
  });
});
