import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { recordEditsAfterTransfer } from '../../src/db/repos/transfer-record-edits.js';
import { Metrics } from '../../src/metrics.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { describeItem } from '../../src/usecases/describe-item.js';
import { exportTransferPackage } from '../../src/usecases/export-transfer-package.js';
import { recallMessage } from '../../src/usecases/recall-message.js';
import { recordPackageHandover } from '../../src/usecases/record-package-handover.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import {
  changingAtFirstRead,
  createArchiveFixture,
  minimalPdf,
  type ArchiveFixture,
} from './archive-fixtures.js';

const TZ = 'Asia/Shanghai';
const DAY = 24 * 60 * 60_000;

/**
 * A 著录 saved or a file recalled while a 移交包 is being written may be missing from it (its records
 * were read before): once that package is handed over the change is still a 移交后变更, listed and
 * stated in the next package's 说明文件, which says the day the package was handed over. Before, the
 * change was compared with when the package was recorded (the export's end) and dropped for good.
 */
describe('著录 changed or files recalled while a 移交包 is written', () => {
  let f: ArchiveFixture;
  let out: string;
  const items: { id: number; code: string }[] = [];
  let packages = 0;

  /** V1's 2025 records exported, one record per page, `during` run at the first file read. */
  const exportV1 = async (during?: () => Promise<unknown>) => {
    const change = during ? changingAtFirstRead(f.blobs, during) : undefined;
    const blobs: BlobStore = change?.blobs ?? f.blobs;
    const res = await exportTransferPackage(
      { db: f.db, blobs, clock: f.clock, config: f.config, timeZone: TZ, pageSize: 1, concurrency: 1 },
      { unitId: f.unit.V1.id, year: 2025, outDir: join(out, `p${++packages}`) },
    );
    await change?.done();
    expect(res.preCheck).toBe(false);
    return { ...res, readme: readFileSync(join(res.outDir, '说明文件.TXT'), 'utf8') };
  };
  const handOver = async (packageId: number, day: string) => {
    const r = await recordPackageHandover(
      { db: f.db, clock: f.clock, timeZone: TZ },
      { packageId, day, receiver: '县档案馆 张三', actor: 'cli', source: 'cli' },
    );
    expect(r.status).toBe('done');
  };
  const editsOf = async (itemId: number) =>
    (await recordEditsAfterTransfer(f.db, { itemId })).rows.map((e) => [e.kind, e.packageId]);

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'export-during-changes-'));
    const pdf = { bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' };
    for (let i = 1; i <= 3; i++)
      await f.fileItem(f.task.doc, i === 3 ? [pdf, { ...pdf, bytes: minimalPdf(2) }] : [pdf], {
        title: `会议记录 ${i}`,
      });
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    for (const r of await queryRows<{ id: number; code: string }>(
      f.db,
      sql`select item_id::int as id, archival_code as code from archive_records
          where status = 'confirmed' order by archival_code`,
    ))
      items.push(r);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f?.close();
  });

  it('a 题名 saved during the export is listed once the package is handed over, and the next 说明文件 states it with the day it was handed over', async () => {
    const first = await exportV1(async () => {
      f.clock.advance(60_000);
      const r = await describeItem(
        { db: f.db, clock: f.clock },
        { itemId: items[0]!.id, title: '改过的题名', actor: 'cli', source: 'cli' },
      );
      expect(r.status).toBe('described');
      f.clock.advance(60_000);
    });
    // The package holds the 题名 as it was read.
    expect(readFileSync(join(first.outDir, '文件目录.XML'), 'utf8')).not.toContain('改过的题名');
    // Handed over two days after it was made.
    f.clock.advance(2 * DAY);
    await handOver(first.packageId, '2026-01-12');
    expect(await editsOf(items[0]!.id)).toEqual([['described', first.packageId]]);

    const second = await exportV1();
    expect(second.readme).toContain(`${items[0]!.code}（2026-01-12 移交；2026-01-10 著录已改（题名））`);
    await handOver(second.packageId, '2026-01-12');
    expect(await editsOf(items[0]!.id)).toEqual([]);
  });

  it('a file recalled while a later package is written stays owed after that package is handed over', async () => {
    const [message] = await queryRows<{ id: string }>(
      f.db,
      sql`select m.message_id as id from materials m
          join filing_item_materials fim on fim.material_id = m.id
          where fim.item_id = ${items[2]!.id} order by fim.position desc limit 1`,
    );
    const third = await exportV1(async () => {
      f.clock.advance(60_000);
      const r = await recallMessage(
        { db: f.db, clock: f.clock, metrics: new Metrics(), timeZone: TZ, pageUrl: () => undefined },
        { messageId: message!.id, chatId: 'oc_v1', recalledAt: f.clock.now() },
        pino({ level: 'silent' }),
      );
      expect(r.status).not.toBe('refused');
      f.clock.advance(60_000);
    });
    await handOver(third.packageId, '2026-01-12');
    // Still owed (the earlier packages carried it; the third read it before the recall).
    expect((await editsOf(items[2]!.id)).map(([kind]) => kind)).toEqual(['recalled']);
    const fourth = await exportV1();
    expect(fourth.readme).toContain(`${items[2]!.code}（2026-01-12 移交；2026-01-12 文件已撤回`);
  });
});
