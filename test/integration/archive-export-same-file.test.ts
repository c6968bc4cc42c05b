import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { exportTransferPackage, type ExportResult } from '../../src/usecases/export-transfer-package.js';
import { interceptStatements } from '../support/intercept-statements.js';
import { filesUnder, validateBag } from '../support/validate-bag.js';
import {
  createArchiveFixture,
  minimalPdf,
  photoJpeg,
  validateAgainstPackageSchema,
  type ArchiveFixture,
} from './archive-fixtures.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Two 件 may hold the same file (a photo sent again, filed twice), and one 件 may hold it twice. The
 * transfer package keeps a copy in each 件 (each whole, named by its own 档号, kept as long as its own
 * 保管期限) and says so: each copy's metadata names the other 件 (相同文件档号) or this 件's other copy
 * (相同文件名), 说明文件 counts them and 其他/相同文件清单.TXT lists every copy by path. The XML still
 * validates against the schemas the package ships, and the bag against BagIt.
 */
describe('export: the same file in two 件 (or twice in one)', () => {
  let f: ArchiveFixture;
  let out: string;
  let carrier: ExportResult;
  let bag: ExportResult;
  let shared: Buffer;
  let pdf: Buffer;
  const code: Record<'first' | 'again' | 'twice', string> = { first: '', again: '', twice: '' };

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-same-'));
    shared = await photoJpeg({ taken: '2025:05:20 10:30:00' });
    const other = await photoJpeg({ taken: '2025:05:20 10:31:00', color: '#a86' });
    const photo = (bytes: Buffer) => ({ bytes, kind: 'photo' as const, mime: 'image/jpeg' });
    pdf = minimalPdf(1);
    const doc = { bytes: pdf, kind: 'document' as const, mime: 'application/pdf', name: '会议记录.pdf' };
    const items = {
      first: await f.fileItem(f.task.photo, [photo(shared)], { title: '识别结果公示' }),
      again: await f.fileItem(f.task.photo, [photo(shared), photo(other)], { title: '公示照片补充' }),
      twice: await f.fileItem(f.task.doc, [doc, doc], { title: '村两委会议记录' }),
    };
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    for (const [k, itemId] of Object.entries(items)) {
      const [r] = await queryRows<{ code: string }>(
        f.db,
        sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
      );
      code[k as keyof typeof code] = r!.code;
    }
    const deps = { db: f.db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' };
    carrier = await exportTransferPackage(deps, { unitId: f.unit.V1.id, year: 2025, outDir: join(out, 'c') });
    bag = await exportTransferPackage(deps, {
      unitId: f.unit.V1.id,
      year: 2025,
      outDir: join(out, 'b'),
      layout: 'bag',
    });
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  const root = () => carrier.outDir;
  const read = (rel: string) => readFileSync(join(root(), rel), 'utf8');
  const paths = () => filesUnder(root()).map((p) => relative(root(), p).split(sep).join('/'));
  const itemXml = (archivalCode: string) => {
    const rel = paths().find((p) => p.endsWith(`/${archivalCode}.xml`))!;
    return read(rel);
  };
  /** An item XML's <计算机文件> blocks with the hash they state. */
  const fileBlocks = (xml: string) =>
    [...xml.matchAll(/<计算机文件>([\s\S]*?)<\/计算机文件>/g)].map((m) => ({
      hash: /<哈希值>([0-9a-f]{64})<\/哈希值>/.exec(m[1]!)![1],
      name: /<计算机文件名>([^<]+)<\/计算机文件名>/.exec(m[1]!)![1],
      sameCodes: [...m[1]!.matchAll(/<相同文件档号>([^<]+)<\/相同文件档号>/g)].map((x) => x[1]),
      sameNames: [...m[1]!.matchAll(/<相同文件名>([^<]+)<\/相同文件名>/g)].map((x) => x[1]),
    }));

  it('each 件 keeps its own copy of the shared bytes', () => {
    const copies = paths().filter(
      (p) =>
        p.startsWith('电子档案/') &&
        !p.endsWith('.xml') &&
        sha256(readFileSync(join(root(), p))) === sha256(shared),
    );
    expect(copies).toHaveLength(2);
    expect(copies.some((p) => p.includes(code.first))).toBe(true);
    expect(copies.some((p) => p.includes(code.again))).toBe(true);
  });

  it('each copy’s metadata names where else the package holds the same bytes', () => {
    const first = fileBlocks(itemXml(code.first));
    expect(first).toEqual([
      expect.objectContaining({ hash: sha256(shared), sameCodes: [code.again], sameNames: [] }),
    ]);
    const again = fileBlocks(itemXml(code.again));
    expect(again.find((b) => b.hash === sha256(shared))).toMatchObject({ sameCodes: [code.first] });
    expect(again.find((b) => b.hash !== sha256(shared))).toMatchObject({ sameCodes: [], sameNames: [] });
    const twice = fileBlocks(itemXml(code.twice));
    expect(twice).toHaveLength(2);
    expect(twice[0]).toMatchObject({ hash: sha256(pdf), sameCodes: [], sameNames: [twice[1]!.name] });
    expect(twice[1]).toMatchObject({ hash: sha256(pdf), sameCodes: [], sameNames: [twice[0]!.name] });
  });

  it('说明文件 says so and 相同文件清单 lists every copy by path (in the fixity list too)', () => {
    expect(read('说明文件.TXT')).toContain('相同文件：有 2 组、共 4 个电子文件内容完全相同');
    const list = read('其他/相同文件清单.TXT');
    for (const hash of [sha256(shared), sha256(pdf)]) expect(list).toContain(`SHA-256 ${hash}`);
    const listed = [...list.matchAll(/^ {2}(电子档案\/\S+)\r$/gm)].map((m) => m[1]);
    expect(listed).toHaveLength(4);
    for (const p of listed) expect(paths()).toContain(p);
    expect(read('其他/数字摘要清单.TXT')).toContain('其他/相同文件清单.TXT');
  });

  it('the item XML still validates against the schema the package ships; the bag is valid BagIt', async () => {
    expect(carrier.report.failures.filter((x) => x.check === 'schema_invalid')).toEqual([]);
    const xmls = paths()
      .filter((p) => p.startsWith('电子档案/') && p.endsWith('.xml'))
      .map((p) => join(root(), p));
    expect(xmls).toHaveLength(3);
    const res = await validateAgainstPackageSchema(root(), '电子文件元数据.xsd', xmls);
    expect(res.errors.map((e) => e.rawMessage)).toEqual([]);
    expect(res.valid).toBe(true);
    expect(validateBag(bag.outDir)).toEqual([]);
    expect(readFileSync(join(bag.outDir, 'data', '说明文件.TXT'), 'utf8')).toContain('相同文件：');
  });
});

/**
 * The export reads what it packages as it was when it began (each class up to its last 件号 then). A 件
 * confirmed meanwhile holding a file the package carries is not in this package, so no copy may name it
 * as 相同文件档号, and 相同文件清单 / 说明文件 must not count it.
 */
describe('export: the same file in a 件 confirmed while the export runs', () => {
  let f: ArchiveFixture;
  let out: string;
  let res: ExportResult;
  let shared: Buffer;
  let first = '';
  let later = '';

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-same-during-'));
    shared = await photoJpeg();
    const photo = { bytes: shared, kind: 'photo' as const, mime: 'image/jpeg' };
    const confirm = () =>
      confirmArchive(
        { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
        { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
      );
    const codeOf = async (itemId: number) =>
      (
        await queryRows<{ code: string }>(
          f.db,
          sql`select archival_code as code from archive_records where item_id = ${itemId} and status = 'confirmed'`,
        )
      )[0]!.code;
    const firstItem = await f.fileItem(f.task.photo, [photo], { title: '识别结果公示' });
    await confirm();
    first = await codeOf(firstItem);
    // The archivist files the same photo again and confirms it after the export read its classes,
    // just before it reads which files the package holds twice.
    let laterItem = 0;
    let changed: Promise<unknown> | undefined;
    const db = interceptStatements(f.db, async (text, run) => {
      if (text.includes('group by m.sha256'))
        await (changed ??= (async () => {
          laterItem = await f.fileItem(f.task.photo, [photo], { title: '公示照片补充' });
          await confirm();
        })());
      return run();
    });
    res = await exportTransferPackage(
      { db, blobs: f.blobs, clock: f.clock, config: f.config, timeZone: 'Asia/Shanghai' },
      { unitId: f.unit.V1.id, year: 2025, outDir: join(out, 'c') },
    );
    expect(changed).toBeDefined();
    later = await codeOf(laterItem);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('the package holds the 件 of its snapshot; the one confirmed meanwhile is left for the next', () => {
    expect(res.preCheck).toBe(false);
    expect(res.records).toBe(1);
    expect(res.confirmedDuring).toBe(1);
    expect(later).not.toBe(first);
  });

  it('no copy names the 件 confirmed meanwhile; no 相同文件清单, 说明文件 counts no same files', () => {
    const files = filesUnder(res.outDir).map((p) => relative(res.outDir, p).split(sep).join('/'));
    const xml = readFileSync(
      join(
        res.outDir,
        files.find((p) => p.endsWith(`/${first}.xml`))!,
      ),
      'utf8',
    );
    expect(xml).not.toContain(later);
    expect(xml).not.toContain('<相同文件档号>');
    expect(files).not.toContain('其他/相同文件清单.TXT');
    expect(readFileSync(join(res.outDir, '说明文件.TXT'), 'utf8')).not.toContain('相同文件：');
  });
});
