import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { fileTypeFromFile } from 'file-type';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage, type ExportResult } from '../../src/usecases/export-transfer-package.js';
import {
  createArchiveFixture,
  validateAgainstPackageSchema,
  type ArchiveFixture,
} from './archive-fixtures.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A real Lark-style voice note: 2 s of Opus (mono, recorded at 16 kHz) in Ogg, made with opusenc. */
const VOICE = readFileSync(new URL('../fixtures/audio/lark-voice-note.opus', import.meta.url));
const OPUS = 'audio/ogg; codecs=opus';

/** Lark voice notes (Opus in Ogg) get a WAV archival copy beside the original in the package. */
describe('export: voice notes get a WAV archival copy', () => {
  let f: ArchiveFixture;
  let out: string;
  let res: ExportResult;

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-voice-'));
    const [camp] = await queryRows<{ id: number }>(f.db, sql`select id::int as id from campaigns limit 1`);
    const [task] = await queryRows<{ id: number }>(
      f.db,
      sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
            min_count, keywords, due_at, responsible, created_at)
          values (${Number(camp!.id)}, ${f.unit.V1.id}, 'C09', 'C09', 9, '村民代表会议录音', '综合类', 'D30',
            '{audio}'::text[], 1, '{}'::text[], ${f.clock.now()}, '{}'::text[], ${f.clock.now()})
          returning id::int as id`,
    );
    await f.fileItem(Number(task!.id), [{ bytes: VOICE, kind: 'audio', mime: OPUS, name: 'audio.opus' }], {
      kind: 'audio',
    });
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    res = await exportTransferPackage(
      { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: out },
    );
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('keeps the original (.opus, same bytes) and writes a decodable WAV of the same length beside it', async () => {
    const dir = join(out, '电子档案', '2025', 'LY');
    expect(readdirSync(dir).sort()).toEqual([
      'A182-LY·2025-D30-0001.opus',
      'A182-LY·2025-D30-0001.wav',
      'A182-LY·2025-D30-0001.xml',
    ]);
    expect(sha256(readFileSync(join(dir, 'A182-LY·2025-D30-0001.opus')))).toBe(sha256(VOICE));
    const wavPath = join(dir, 'A182-LY·2025-D30-0001.wav');
    expect((await fileTypeFromFile(wavPath))?.mime).toBe('audio/wav');
    const wav = readFileSync(wavPath);
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    const channels = wav.readUInt16LE(22);
    const rate = wav.readUInt32LE(24);
    const dataBytes = wav.readUInt32LE(40);
    expect([channels, rate, wav.readUInt16LE(34)]).toEqual([1, 16000, 16]);
    expect(dataBytes).toBe(wav.length - 44);
    // 2 s recorded: the copy is 2 s long, and not silence.
    expect(dataBytes / (rate * channels * 2)).toBeCloseTo(2, 2);
    let peak = 0;
    for (let i = 44; i < wav.length; i += 2) peak = Math.max(peak, Math.abs(wav.readInt16LE(i)));
    expect(peak).toBeGreaterThan(3000);
    // Listed in the fixity list with the hash of the bytes on disk.
    const list = readFileSync(join(out, '其他', '数字摘要清单.TXT'), 'utf8');
    expect(list).toContain(sha256(wav));
  });

  it('passes the 四性 check: the original is a warning (非归档格式, copy made), nothing fails', () => {
    expect(res.preCheck).toBe(false);
    expect(res.report.failures.filter((x) => x.severity === 'error')).toEqual([]);
    expect(res.report.failures.map((x) => x.check)).toContain('format_converted');
    const row = res.report.table.find((r) => r.no === '3-1');
    expect(row?.result).toBe('通过');
  });

  it('the metadata names the original and the archival copy and records the conversion with its tool', async () => {
    const path = join(out, '电子档案', '2025', 'LY', 'A182-LY·2025-D30-0001.xml');
    const xml = readFileSync(path, 'utf8');
    expect(xml).toContain('<文件用途>原件</文件用途>');
    expect(xml).toContain('<归档副本>A182-LY·2025-D30-0001.wav</归档副本>');
    expect(xml).toContain('<文件用途>归档副本</文件用途>');
    expect(xml).toContain('<转换自>A182-LY·2025-D30-0001.opus</转换自>');
    expect(xml).toContain('<时长>PT2.000S</时长>');
    expect(xml).toContain('<行为>格式转换</行为>');
    expect(xml).toMatch(/<机构人员名称>ogg-opus-decoder \d+\.\d+\.\d+（WebAssembly）<\/机构人员名称>/);
    const check = await validateAgainstPackageSchema(out, '电子文件元数据.xsd', [path]);
    expect(check.errors.map((e) => e.rawMessage)).toEqual([]);
    const catalogue = readFileSync(join(out, '文件目录.XML'), 'utf8');
    expect(catalogue).toContain('<电子档案名称>电子档案/2025/LY/A182-LY·2025-D30-0001.wav</电子档案名称>');
  });

  it('说明文件 says the package holds an archival copy made by format conversion, not that nothing was converted', () => {
    const readme = readFileSync(join(out, '说明文件.TXT'), 'utf8');
    expect(readme).not.toContain('未经压缩、加密或格式转换');
    expect(readme).toContain('另有 1 个归档副本由原件格式转换生成');
  });

  it('a voice note the decoder cannot read fails the check naming the item; no copy is left', async () => {
    const broken = Buffer.concat([VOICE.subarray(0, 200), Buffer.alloc(3000, 0x55)]);
    const g = await createArchiveFixture();
    const dir = mkdtempSync(join(tmpdir(), 'archive-voice-bad-'));
    try {
      const [camp] = await queryRows<{ id: number }>(g.db, sql`select id::int as id from campaigns limit 1`);
      const [task] = await queryRows<{ id: number }>(
        g.db,
        sql`insert into tasks (campaign_id, unit_id, item_code, code, position, title, class, retention, kinds,
              min_count, keywords, due_at, responsible, created_at)
            values (${Number(camp!.id)}, ${g.unit.V1.id}, 'C09', 'C09', 9, '录音', '综合类', 'D30',
              '{audio}'::text[], 1, '{}'::text[], ${g.clock.now()}, '{}'::text[], ${g.clock.now()})
            returning id::int as id`,
      );
      const item = await g.fileItem(Number(task!.id), [{ bytes: broken, kind: 'audio', mime: OPUS }], {
        kind: 'audio',
      });
      await confirmArchive(
        { db: g.db, clock: g.clock, rules: g.config, blobs: g.blobs },
        { unitId: g.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
      );
      const bad = await exportTransferPackage(
        { db: g.db, blobs: g.blobs, clock: g.clock, config: g.config, timeZone: 'Asia/Shanghai' },
        { unitId: g.unit.V1.id, year: 2025, outDir: dir },
      );
      expect(bad.preCheck).toBe(true);
      const failed = bad.report.failures.filter((x) => x.check === 'conversion_failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        itemId: item,
        archivalCode: 'A182-LY·2025-D30-0001',
        severity: 'error',
      });
      expect(readdirSync(join(dir, '电子档案', '2025', 'LY')).sort()).toEqual([
        'A182-LY·2025-D30-0001.opus',
        'A182-LY·2025-D30-0001.xml',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await g.close();
    }
  });
});
