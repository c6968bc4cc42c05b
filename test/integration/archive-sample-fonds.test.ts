import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { silentLogger } from '../../src/logger.js';
import { archiveFeature } from '../../src/wiring/archive.js';
import { actionValue, sayToBot, tapIn } from '../support/chat-actions.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  confirmJobOfCard,
  createArchiveFixture,
  minimalPdf,
  type ArchiveFixture,
} from './archive-fixtures.js';

/** What every path that gives 档号 answers under the shipped sample 全宗, for a confirmation of `unitCode`. */
const refusal = (unitCode: string) =>
  '没有编任何档号：档案设置 archive.yaml 里的全宗还是示例（A182 某县人民政府办公室），档号一经确认永不改号。' +
  '请系统管理员任选一种办法改好后再确认归档：\n' +
  '1. 按县档案馆给定的全宗号、全宗名称改 archive.yaml 的 fonds（code、name），再重启机器人；\n' +
  `2. 给本单位设全宗：npm run cli -- units fonds ${unitCode} code=全宗号 name=全宗名称`;

/**
 * The shipped config/archive.yaml's 全宗 (A182 某县人民政府办公室) is a sample: a 件号 once confirmed is
 * never reused, so an installation that confirmed before writing its own would carry the made-up 全宗号
 * for good. Confirmation (the chat's 确认归档 and its card, `archive confirm` with or without --dry-run)
 * refuses while the units whose 件 it would number fall to it; a unit with its own fonds confirms.
 */
describe('确认归档 under the shipped sample 全宗', () => {
  let f: ArchiveFixture;
  let h: Harness;
  const group = 'oc_v1';
  /** The shipped archive.yaml, as an installation that never changed it reads it. */
  const shipped = () => ({ DATA_DIR: f.dataDir, ARCHIVE_CONFIG: 'config/archive.yaml' });
  const cli = (args: string[], env = shipped()) => cliInProcess(args, env, f.tdb);
  const says = (text: string) => sayToBot(h, { chatId: group, sender: 'ou_archivist', text });
  const textOf = (m: { msgType: string; content: unknown }) =>
    m.msgType === 'text' ? (m.content as { text: string }).text : `(${m.msgType})`;
  const numbered = () =>
    queryRows<{ unit: string; code: string }>(
      f.db,
      sql`select u.code as unit, ar.archival_code as code from archive_records ar join units u on u.id = ar.unit_id
          order by ar.id`,
    );
  const counters = () => queryRows<{ key: string }>(f.db, sql`select class_key as key from archive_counters`);
  const confirmJobs = () =>
    queryRows<{ key: string }>(f.db, sql`select key from jobs where kind = 'archive-confirm'`);

  beforeAll(async () => {
    f = await createArchiveFixture();
    // The whole bot's file settings as the start reads them: the shipped archive.yaml.
    h = await startHarness({ db: f.tdb, clock: f.clock, env: shipped(), features: [archiveFeature] });
    // The tests run the queued jobs themselves.
    h.bot.jobWorker.pause();
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
    await f.fileItem(f.task.v2doc, [
      { bytes: minimalPdf(1, Buffer.from('v2')), kind: 'document', mime: 'application/pdf' },
    ]);
  });
  afterAll(async () => {
    await h.close();
    await f.close();
  });
  afterEach(() => h.fake.assertNoUnknownRoutes());

  it('确认归档 in a group is answered with what to do, before any card to tap, and numbers nothing', async () => {
    expect(textOf(await says('确认归档 东村 2025'))).toBe(refusal('V1'));
    // The township's: its villages' 件 fall to the sample too.
    expect(textOf(await says('确认归档 甲镇 2025'))).toBe(refusal('T1'));
    expect(await confirmJobs()).toEqual([]);
    expect(await numbered()).toEqual([]);
    expect(await counters()).toEqual([]);
  });

  it('archive confirm and its --dry-run exit 1 with the same words and number nothing', async () => {
    const dry = await cli(['archive', 'confirm', '--unit', 'V1', '--year', '2025', '--dry-run']);
    expect(dry).toEqual({ code: 1, stdout: '', stderr: `试运行，没有写入任何内容。${refusal('V1')}\n` });
    const res = await cli(['archive', 'confirm', '--unit', 'V1', '--year', '2025']);
    expect(res).toEqual({ code: 1, stdout: '', stderr: `${refusal('V1')}\n` });
    expect(await numbered()).toEqual([]);
    expect(await counters()).toEqual([]);
  });

  it('a card drawn while the village had its own fonds, tapped after it was taken away, numbers nothing', async () => {
    expect((await cli(['units', 'fonds', 'V1', 'code=A183', 'name=东村村民委员会'])).code).toBe(0);
    const preview = await says('确认归档 东村 2025');
    await tapIn(h, group, 'ou_archivist', actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    expect((await cli(['units', 'fonds', 'V1', 'off'])).code).toBe(0);
    const job = await confirmJobOfCard(f.db, h, preview.messageId);
    await h.bot.features.jobs.get('archive-confirm')!.run(job.payload, silentLogger(), {
      attempts: 1,
      maxAttempts: 3,
    });
    expect(job.card()).toContain(JSON.stringify(refusal('V1')).slice(1, -1));
    expect(await numbered()).toEqual([]);
  });

  it("a village with its own fonds confirms under it; its neighbour, still on the sample's, does not", async () => {
    expect((await cli(['units', 'fonds', 'V1', 'code=A183', 'name=东村村民委员会'])).code).toBe(0);
    const preview = await says('确认归档 东村 2025');
    await tapIn(h, group, 'ou_archivist', actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    const job = await confirmJobOfCard(f.db, h, preview.messageId);
    await h.bot.features.jobs.get('archive-confirm')!.run(job.payload, silentLogger(), {
      attempts: 1,
      maxAttempts: 3,
    });
    expect(job.card()).toContain('已确认归档东村2025年度 1 件');
    expect(await numbered()).toEqual([{ unit: 'V1', code: 'A183-WS·2025-D30-ZH-0001' }]);
    // 甲镇's confirmation would number 西村's 件 under the sample's 全宗号.
    expect(textOf(await says('确认归档 甲镇 2025'))).toBe(refusal('T1'));
    const res = await cli(['archive', 'confirm', '--unit', 'V2', '--year', '2025']);
    expect(res).toMatchObject({ code: 1, stderr: `${refusal('V2')}\n` });
    expect(await numbered()).toHaveLength(1);
  });

  it('a county that kept the code A182 but wrote its own 全宗名称 confirms under A182', async () => {
    const county = { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML };
    const res = await cli(['archive', 'confirm', '--unit', 'V2', '--year', '2025'], county);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain('已确认归档西村2025年度 1 件');
    expect(await numbered()).toEqual([
      { unit: 'V1', code: 'A183-WS·2025-D30-ZH-0001' },
      { unit: 'V2', code: 'A182-WS·2025-D30-ZH-0001' },
    ]);
  });
});
