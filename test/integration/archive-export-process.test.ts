import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import ExcelJS from 'exceljs';
import { validateXML } from 'xmllint-wasm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { fromPglite } from '../../src/db/client.js';
import { identityText, selfIdentity } from '../../src/process-identity.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { describeItem } from '../../src/usecases/describe-item.js';
import { runCli, type ProcessResult } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { filesUnder, validateBag } from '../support/validate-bag.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const VOICE = readFileSync(new URL('../fixtures/audio/lark-voice-note.opus', import.meta.url));

/** archive.yaml as TEST_ARCHIVE_CONFIG says it. */
const ARCHIVE_YAML = `fonds: { code: A182, name: 测试县人民政府 }
orgCode: { byClass: { 综合类: ZH, 精准识别类: SB }, default: QT }
package: { transferringUnit: 测试县人民政府, receivingUnit: 测试县档案馆 }
`;

/**
 * `npm run export -- --unit V1 --year 2025 --out DIR --bag` as the operator runs it: the compiled CLI
 * (dist/cli/export.js, what the npm script starts) in its own process on a data folder holding a
 * database and stored files, then the package read back: the bag validated independently, every XML
 * against the shipped XSDs, the catalogue opened, every file hashed against the originals.
 */
describe('npm run export --bag, as a process', () => {
  let f: ArchiveFixture;
  let dataDir: string;
  let out: string;
  let res: ProcessResult;
  let env: Record<string, string>;
  const originals = new Map<string, Buffer>();

  beforeAll(async () => {
    const postgres = Boolean(process.env.TEST_DATABASE_URL);
    dataDir = await seededDataDir('export-process', { onPostgres: 'empty' });
    // PGlite: the fixture goes into the data folder's own database, closed before the process opens it.
    let database: TestDb;
    if (postgres) database = await createTestDb();
    else {
      const client = await PGlite.create(join(dataDir, 'pglite'));
      database = { ...fromPglite(client), shutDown: () => client.close() };
    }
    f = await createArchiveFixture({ on: { database, dataDir } });
    originals.set('notice', minimalPdf(2));
    await f.fileItem(f.task.doc, [
      {
        bytes: originals.get('notice')!,
        kind: 'document',
        mime: 'application/pdf',
        name: '关于开展普查的通知.pdf',
      },
    ]);
    originals.set('p1', await photoJpeg({ taken: '2025:05:20 10:30:00', color: '#123' }));
    originals.set('p2', await photoJpeg({ taken: '2025:05:20 10:31:00', color: '#456' }));
    const group = await f.fileItem(f.task.photo, [
      {
        bytes: originals.get('p1')!,
        kind: 'photo',
        mime: 'image/jpeg',
        takenAt: new Date('2025-05-20T02:30:00Z'),
      },
      {
        bytes: originals.get('p2')!,
        kind: 'photo',
        mime: 'image/jpeg',
        takenAt: new Date('2025-05-20T02:31:00Z'),
      },
    ]);
    await describeItem(
      { db: f.db, clock: f.clock },
      { itemId: group, reason: '识别结果公示', people: '王村干', actor: 'cli', source: 'cli' },
    );
    originals.set('voice', VOICE);
    await f.fileItem(f.task.doc, [{ bytes: VOICE, kind: 'audio', mime: 'audio/ogg; codecs=opus' }], {
      title: '村两委会议录音',
    });
    await confirmArchive(
      { db: f.db, clock: f.clock, rules: f.config, blobs: f.blobs },
      { unitId: f.unit.V1.id, year: 2025, actor: 'cli', source: 'cli' },
    );
    const url = f.tdb.url;
    if (!postgres) await f.tdb.close();
    writeFileSync(join(dataDir, 'archive.yaml'), ARCHIVE_YAML);
    out = mkdtempSync(join(tmpdir(), 'export-process-out-'));
    env = {
      DATA_DIR: dataDir,
      ARCHIVE_CONFIG: join(dataDir, 'archive.yaml'),
      TZ: 'Asia/Shanghai',
      ...(url ? { DATABASE_URL: url } : {}),
    };
    res = await runCli(['--unit', 'V1', '--year', '2025', '--out', join(out, 'bag'), '--bag'], env, {
      cwd: dataDir,
      script: 'export.js',
    });
  }, 240_000);
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    if (process.env.TEST_DATABASE_URL) await f.close();
    else rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 and says where the package is, with its 数字摘要', () => {
    expect(res.stderr).not.toMatch(/Error|错误/);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`移交包：${join(out, 'bag')}`);
    expect(res.stdout).toMatch(/数字摘要（SHA-256）[0-9a-f]{64}/);
    expect(res.stdout).toContain('四性检测：通过');
  });

  it('is a valid BagIt bag whose payload is the 移交 layout', () => {
    expect(validateBag(join(out, 'bag'))).toEqual([]);
    const payload = filesUnder(join(out, 'bag', 'data')).map((p) =>
      p.slice(join(out, 'bag', 'data').length + 1),
    );
    expect(payload).toEqual(
      expect.arrayContaining(['说明文件.TXT', '文件目录.XML', `其他${sep}电子档案移交与接收登记表.docx`]),
    );
  });

  it('holds every original byte for byte, and the voice note’s WAV copy', () => {
    const data = join(out, 'bag', 'data', '电子档案', '2025');
    const files = filesUnder(data);
    const hashes = new Set(files.map((p) => sha256(readFileSync(p))));
    for (const [name, bytes] of originals) expect(hashes.has(sha256(bytes)), name).toBe(true);
    expect(files.some((p) => p.endsWith('-0001-0002.jpg'))).toBe(true);
    expect(files.filter((p) => p.endsWith('.wav'))).toHaveLength(1);
  });

  it('every XML validates against its XSD; the catalogue reads back', async () => {
    const root = join(out, 'bag', 'data');
    const schema = (name: string) => ({
      fileName: name,
      contents: readFileSync(join(root, '其他', 'XML模式', name), 'utf8'),
    });
    const items = filesUnder(join(root, '电子档案')).filter((p) => p.endsWith('.xml'));
    expect(items).toHaveLength(3);
    for (const [xmls, xsd] of [
      [[join(root, '文件目录.XML')], '文件目录.xsd'],
      [items, '电子文件元数据.xsd'],
    ] as const) {
      const check = await validateXML({
        xml: xmls.map((p, i) => ({ fileName: `f${i}.xml`, contents: readFileSync(p, 'utf8') })),
        schema: schema(xsd),
      });
      expect(check.errors.map((e) => e.rawMessage)).toEqual([]);
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(root, '其他', '归档文件目录.xlsx'));
    expect(wb.worksheets.map((w) => w.name)).toEqual(
      expect.arrayContaining(['封面', 'WS·2025-D30-ZH', 'ZP·2025-Y', 'ZP·2025-Y 照片目录', '备考表']),
    );
    const list = readFileSync(join(root, '其他', '数字摘要清单.TXT'), 'utf8');
    for (const p of filesUnder(join(root, '电子档案'))) expect(list).toContain(sha256(readFileSync(p)));
  });

  it('a CLI killed mid-export leaves only `<out>.partial`; the next run removes it and writes the package', async () => {
    expect(readdirSync(out)).toEqual(['bag']);
    const carrier = join(out, 'carrier');
    mkdirSync(carrier); // an empty folder made beforehand (as the README allows)
    // The "virus scanner" SIGKILLs the export process (its parent) at the first file: a kill mid-write.
    const killed = await runCli(
      ['--unit', 'V1', '--year', '2025', '--out', carrier],
      { ...env, VIRUS_SCAN_COMMAND: 'kill -9 $PPID # {file}' },
      { cwd: dataDir, script: 'export.js' },
    );
    expect(killed.code).toBeNull();
    expect(readdirSync(carrier)).toEqual([]);
    expect(existsSync(`${carrier}.partial`)).toBe(true);
    // `.partial` holds the owner (the killed process) and the package tree, unfinished.
    expect(readdirSync(`${carrier}.partial`).sort()).toEqual(['owner', 'package']);
    expect(readFileSync(join(`${carrier}.partial`, 'owner'), 'utf8')).toMatch(/^[^:]+:\d+:\d+\n$/);
    expect(readdirSync(join(`${carrier}.partial`, 'package')).length).toBeGreaterThan(0);
    expect(readdirSync(join(`${carrier}.partial`, 'package'))).not.toContain('说明文件.TXT');
    // While a live process owns `.partial` (here: this test's), another export there is refused.
    const owner = readFileSync(join(`${carrier}.partial`, 'owner'), 'utf8');
    writeFileSync(join(`${carrier}.partial`, 'owner'), `${identityText(selfIdentity())}\n`);
    const refused = await runCli(['--unit', 'V1', '--year', '2025', '--out', carrier], env, {
      cwd: dataDir,
      script: 'export.js',
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr + refused.stdout).toContain(`另一个导出正在写入输出目录 ${carrier}`);
    expect(readdirSync(join(`${carrier}.partial`, 'package')).length).toBeGreaterThan(0);
    writeFileSync(join(`${carrier}.partial`, 'owner'), owner);
    const again = await runCli(['--unit', 'V1', '--year', '2025', '--out', carrier], env, {
      cwd: dataDir,
      script: 'export.js',
    });
    expect(again.stderr).not.toMatch(/Error|错误/);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`移交包：${carrier}`);
    expect(existsSync(`${carrier}.partial`)).toBe(false);
    expect(readdirSync(carrier).sort()).toEqual(['其他', '文件目录.XML', '电子档案', '说明文件.TXT'].sort());
  }, 180_000);

  it('a CLI killed while writing in place leaves its claim in the folder; the next run removes what it left, names it, and writes the package', async (t) => {
    // A set-gid group folder made beforehand in a parent this user cannot write (immutable): written in place.
    const parent = join(out, 'group-parent');
    const dir = join(parent, 'group-folder');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o2750);
    try {
      execFileSync('chattr', ['+i', parent], { stdio: 'ignore' });
    } catch {
      t.skip(); // no immutable flag here (not root, or a file system without it)
    }
    onTestFinished(() => {
      execFileSync('chattr', ['-i', parent]);
    });
    const run = (more: Record<string, string> = {}) =>
      runCli(
        ['--unit', 'V1', '--year', '2025', '--out', dir],
        { ...env, ...more },
        { cwd: dataDir, script: 'export.js' },
      );
    const killed = await run({ VIRUS_SCAN_COMMAND: 'kill -9 $PPID # {file}' });
    expect(killed.code).toBeNull();
    expect(existsSync(`${dir}.partial`)).toBe(false);
    // The claim names the killed process; beside it, the half-written package.
    expect(readFileSync(join(dir, '.export-in-progress'), 'utf8')).toMatch(/^[^:]+:\d+:\d+\n$/);
    const left = readdirSync(dir).filter((n) => n !== '.export-in-progress');
    expect(left.length).toBeGreaterThan(0);
    expect(left).not.toContain('说明文件.TXT');
    const again = await run();
    expect(again.stderr).not.toMatch(/Error|错误/);
    expect(again.code).toBe(0);
    for (const name of left) expect(again.stdout).toContain(`已删除中断的导出留下的 ${join(dir, name)}`);
    expect(again.stdout).toContain(`移交包：${dir}`);
    expect(readdirSync(dir).sort()).toEqual(['其他', '文件目录.XML', '电子档案', '说明文件.TXT'].sort());
    expect(statSync(dir).mode & 0o7777).toBe(0o2750);
  }, 180_000);
});
