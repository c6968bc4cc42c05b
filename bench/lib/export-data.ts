/**
 * The export benchmark's data set: one village with N filed document items, each one PDF of
 * ~itemBytes with random (distinct) content, stored content-addressed like the blob store does
 * (no fsync per file: this is a benchmark fixture, not capture), then confirmed (档号 assigned).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { parseArchiveConfig } from '../../src/archive/archive-config.js';
import { queryRows, type Db } from '../../src/db/client.js';
import { blobKeyOf } from '../../src/ports/blob-store.js';
import { systemClock } from '../../src/ports/clock.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';

/**
 * The bench's archive.yaml (written beside the data for the export process). The 说明文件 check (四性
 * row 1-6) needs the units and the carrier: without them the package is a 预检包.
 */
export const BENCH_ARCHIVE_YAML = {
  fonds: { code: 'A001', name: '基准测试县' },
  package: {
    transferringUnit: '基准测试县',
    receivingUnit: '基准测试县档案馆',
    carrier: { number: 'BENCH-001' },
  },
};
export const BENCH_ARCHIVE_CONFIG = parseArchiveConfig(BENCH_ARCHIVE_YAML);

/** A well-formed one-page PDF whose content stream carries `filler` (random bytes). */
export function benchPdf(filler: Buffer): Buffer {
  const head = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const objs = [
    '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n',
  ];
  const offsets: number[] = [];
  let pos = Buffer.byteLength(head, 'latin1');
  for (const o of objs) {
    offsets.push(pos);
    pos += Buffer.byteLength(o, 'latin1');
  }
  offsets.push(pos);
  const streamHead = Buffer.from(`4 0 obj\n<< /Length ${filler.length} >>\nstream\n`, 'latin1');
  const streamTail = Buffer.from('\nendstream\nendobj\n', 'latin1');
  const xrefAt = pos + streamHead.length + filler.length + streamTail.length;
  const xref =
    `xref\n0 5\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([
    Buffer.from(head + objs.join(''), 'latin1'),
    streamHead,
    filler,
    streamTail,
    Buffer.from(xref, 'latin1'),
  ]);
}

export interface BenchData {
  unitCode: string;
  year: number;
  items: number;
  bytes: number;
}

/** Generates the data set into `db` and `filesDir` (the blob store root). */
export async function generateExportData(
  db: Db,
  filesDir: string,
  opts: { items: number; itemBytes: number; onProgress?: (done: number) => void },
): Promise<BenchData> {
  const now = new Date();
  const [x] = await queryRows<{ id: number }>(
    db,
    sql`insert into units (code, name, kind, path, full_name, created_at, updated_at)
        values ('BX', '基准县', 'county', '', '基准县', ${now}, ${now}) returning id::int as id`,
  );
  const xId = Number(x!.id);
  const [v] = await queryRows<{ id: number }>(
    db,
    sql`insert into units (code, name, kind, parent_id, path, full_name, created_at, updated_at)
        values ('BV', '基准村', 'village', ${xId}, '', '基准县/基准村', ${now}, ${now}) returning id::int as id`,
  );
  const vId = Number(v!.id);
  await db.execute(sql`update units set path = '/' || id || '/' where id = ${xId}`);
  await db.execute(sql`update units set path = ${`/${xId}/${vId}/`} where id = ${vId}`);
  await db.execute(
    sql`insert into people (open_id, name, updated_at) values ('ou_bench', '基准村干', ${now})`,
  );
  const [camp] = await queryRows<{ id: number }>(
    db,
    sql`insert into campaigns (code, title, checklist_code, checklist_version, year, deadline, created_at, created_by)
        values ('BENCH', '基准', 'bench', 1, 2025, ${now}, ${now}, 'bench') returning id::int as id`,
  );
  const tasks: number[] = [];
  const classes = ['综合类', '精准识别类', '精准施策类', '精准脱贫类'];
  const retentions = ['Y', 'D30', 'D10'];
  for (let i = 0; i < 12; i++) {
    const [t] = await queryRows<{ id: number }>(
      db,
      sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
            min_count, keywords, due_at, responsible, created_at)
          values (${Number(camp!.id)}, ${vId}, ${`C${i + 1}`}, ${`C${i + 1}`}, ${i + 1}, ${`基准任务${i + 1}`},
            ${classes[i % 4]}, ${retentions[i % 3]}, '{document}'::text[], 1, '{}'::text[], ${now},
            '{}'::text[], ${now}) returning id::int as id`,
    );
    tasks.push(Number(t!.id));
  }
  let bytes = 0;
  const BATCH = 250;
  for (let start = 0; start < opts.items; start += BATCH) {
    const n = Math.min(BATCH, opts.items - start);
    const rows: { sha: string; size: number; key: string; task: number; i: number }[] = [];
    for (let k = 0; k < n; k++) {
      const i = start + k;
      const pdf = benchPdf(randomBytes(Math.max(16, opts.itemBytes - 700)));
      const sha = createHash('sha256').update(pdf).digest('hex');
      const key = blobKeyOf(sha);
      const path = join(filesDir, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, pdf, { mode: 0o444 });
      bytes += pdf.length;
      rows.push({ sha, size: pdf.length, key, task: tasks[i % tasks.length]!, i });
    }
    await db.transaction(async (tx) => {
      await tx.execute(
        sql`insert into blobs (sha256, size_bytes, sniffed_mime, storage_key, stored_at) values ${sql.join(
          rows.map((r) => sql`(${r.sha}, ${r.size}, 'application/pdf', ${r.key}, ${now})`),
          sql`, `,
        )}`,
      );
      const mats = await queryRows<{ id: number }>(
        tx,
        sql`insert into materials (message_id, resource_key, resource_type, chat_id, sender_open_id, sent_at, kind,
              original_name, sniffed_mime, size_bytes, sha256, storage_key, status, created_at, stored_at)
            values ${sql.join(
              rows.map(
                (
                  r,
                ) => sql`(${`om_bench_${r.i}`}, ${`file_${r.i}`}, 'file', 'oc_bench', 'ou_bench', ${now}, 'document',
                  ${`scan${r.i}.pdf`}, 'application/pdf', ${r.size}, ${r.sha}, ${r.key}, 'stored', ${now}, ${now})`,
              ),
              sql`, `,
            )} returning id::int as id`,
      );
      const items = await queryRows<{ id: number }>(
        tx,
        sql`insert into filing_items (task_id, unit_id, kind, title, n_document, filed_by, filed_at, via)
            values ${sql.join(
              rows.map(
                (r) =>
                  sql`(${r.task}, ${vId}, 'document', ${`基准材料${r.i}`}, 1, 'ou_bench', ${now}, 'cli')`,
              ),
              sql`, `,
            )} returning id::int as id`,
      );
      await tx.execute(
        sql`insert into filing_item_materials (item_id, material_id, position) values ${sql.join(
          items.map((it, k) => sql`(${Number(it.id)}, ${Number(mats[k]!.id)}, 0)`),
          sql`, `,
        )}`,
      );
      await tx.execute(
        sql`insert into audit_log (at, actor, action, source, unit_id, item_id, details) values ${sql.join(
          items.map((it) => sql`(${now}, 'ou_bench', 'file', 'cli', ${vId}, ${Number(it.id)}, '{}'::jsonb)`),
          sql`, `,
        )}`,
      );
    });
    opts.onProgress?.(start + n);
  }
  const res = await confirmArchive(
    { db, clock: systemClock, rules: BENCH_ARCHIVE_CONFIG },
    { unitId: vId, year: 2025, actor: 'bench', source: 'cli' },
  );
  if (res.status !== 'confirmed' || res.count !== opts.items) throw new Error(`confirm: ${res.status}`);
  return { unitCode: 'BV', year: 2025, items: opts.items, bytes };
}
