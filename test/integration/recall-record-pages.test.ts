import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { describeItem } from '../../src/usecases/describe-item.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { recallEvent } from '../support/events.js';
import type { Harness } from '../support/harness.js';
import {
  createArchiveFixture,
  minimalPdf,
  startArchiveHarness,
  photoJpeg,
  type ArchiveFixture,
} from './archive-fixtures.js';

/** The 件's second file is recalled by its sender, through the webhook; the bot's work settled. */
async function recallSecondFile(f: ArchiveFixture, h: Harness, itemId: number) {
  const [, second] = await queryRows<{ message_id: string; chat_id: string }>(
    f.db,
    sql`select m.message_id, m.chat_id from filing_item_materials fim
        join materials m on m.id = fim.material_id where fim.item_id = ${itemId} order by fim.position`,
  );
  const res = await h.post(
    recallEvent({ appId: h.fake.appId, messageId: second!.message_id, chatId: second!.chat_id }),
  );
  expect(res.status).toBe(200);
  await h.settle();
}

/** The direct messages the unit's archivist received, in order. */
const archivistTexts = (h: Harness) =>
  h.fake
    .sentMessages()
    .filter((m) => m.receiveId === 'ou_archivist')
    .map((m) => (m.content as { text: string }).text);

/**
 * A photo recalled off a confirmed group changes its 页数 only where the bot counted it: a record
 * confirmed without a count keeps none (the catalogue counts the photos left), and the 页数 an
 * archivist entered is left to them, with a message saying so instead of 「页数改为 N」.
 * The recall comes through the webhook (fake Lark, real SDK); the package is written to real files.
 */
describe('页数 after a photo of a confirmed group is recalled', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let out: string;
  let uncounted: number;
  let described: number;
  let n = 0;

  const threePhotos = async () => {
    const files = [];
    for (const color of ['#135', '#246', '#357'])
      files.push({ bytes: await photoJpeg({ color }), kind: 'photo' as const, mime: 'image/jpeg' });
    return f.fileItem(f.task.photo, files);
  };
  const recallSecondOf = (itemId: number) => recallSecondFile(f, h, itemId);
  const codeOf = async (itemId: number) =>
    (
      await queryRows<{ code: string }>(
        f.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      )
    )[0]!.code;
  /** 页数 in the item's metadata XML of a fresh package. */
  const packagedPages = async (itemId: number) => {
    const dir = join(out, `pkg-${++n}`);
    await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: dir },
    );
    const xml = readFileSync(join(dir, '电子档案', '2025', 'ZP', `${await codeOf(itemId)}.xml`), 'utf8');
    return new XMLParser().parse(xml)['电子文件']['文件实体']['形式特征']['页数'] as number;
  };
  const toArchivist = () => archivistTexts(h);

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'recall-record-pages-'));
    h = await startArchiveHarness(f);
    // Confirmed without the files at hand: no 页数 counted, the catalogue counts the photos.
    uncounted = await threePhotos();
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    described = await threePhotos();
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    await describeItem(
      { db: f.db, clock: f.clock },
      { itemId: described, pages: 3, actor: 'cli', source: 'cli' },
    );
  });
  afterAll(async () => {
    await h.close();
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('a group confirmed without a 页数 counts the two photos it keeps, not 1', async () => {
    expect(await packagedPages(uncounted)).toBe(3);
    await recallSecondOf(uncounted);
    expect(await packagedPages(uncounted)).toBe(2);
    expect(toArchivist()).toEqual([expect.not.stringContaining('页数改为')]);
  });

  it('a 页数 the archivist entered is kept, and the message asks them to check it instead of claiming a change', async () => {
    await recallSecondOf(described);
    expect(await packagedPages(described)).toBe(3);
    const said = toArchivist()[1]!;
    expect(said).not.toContain('页数改为');
    expect(said).toContain(
      `还剩 2 个文件，档号不变，著录的页数 3 没有自动修改，请核对页数（archive describe --item ${described} --pages 页数）`,
    );
    await describeItem(
      { db: f.db, clock: f.clock },
      { itemId: described, pages: 2, actor: 'cli', source: 'cli' },
    );
    expect(await packagedPages(described)).toBe(2);
  });
});

/**
 * A PDF recalled off a confirmed 件: its pages are not known once it is gone, so the archivist is asked
 * to check 页数 and told where to correct it: the item page's 更正著录 form when PUBLIC_URL is set,
 * else the command (as for a 页数 they entered). Through the webhook (fake Lark, real SDK).
 */
describe.each([
  { name: 'without pages', env: {} as Record<string, string> },
  { name: 'with PUBLIC_URL', env: { PUBLIC_URL: 'https://archive.example.test' } },
])('a PDF recalled off a confirmed 件 ($name)', ({ env }) => {
  let f: ArchiveFixture;
  let h: Harness;

  beforeAll(async () => {
    f = await createArchiveFixture();
    h = await startArchiveHarness(f, env);
  });
  afterAll(async () => {
    await h.close();
    await f.close();
  });

  it('asks the archivist to check 页数 and says where to correct it', async () => {
    const pdf = { kind: 'document' as const, mime: 'application/pdf' };
    const itemId = await f.fileItem(f.task.doc, [
      { ...pdf, bytes: minimalPdf(2), name: '会议记录.pdf' },
      { ...pdf, bytes: minimalPdf(3), name: '签到表.pdf' },
    ]);
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    await recallSecondFile(f, h, itemId);
    const told = archivistTexts(h);
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('还剩 1 个文件，档号不变，去掉的文件中有 PDF，请核对页数');
    // Said last, so nothing follows the link.
    const where = env.PUBLIC_URL
      ? `请核对页数。请在条目页更正：${env.PUBLIC_URL}/items/${itemId}#describe`
      : `请核对页数（archive describe --item ${itemId} --pages 页数）。`;
    expect(told[0]!.slice(-where.length)).toBe(where);
  });
});
