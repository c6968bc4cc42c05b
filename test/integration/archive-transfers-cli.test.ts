import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { liveRecordOfItem } from '../../src/db/repos/archive-records.js';
import { packageSizeText } from '../../src/domain/package-size-text.js';
import { plainDate } from '../../src/domain/plain-date.js';
import { cliInProcess, exportInProcess, handOverArgs } from '../support/cli-in-process.js';
import { filesOnDisk } from '../support/files-on-disk.js';
import { createArchiveFixture, minimalPdf, type ArchiveFixture } from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * The record of what went out: each export that finishes records its package (when, who, scope, the
 * 档号 on the carrier, 数字摘要, folder), one that fails records nothing. 撤销确认 of a 档号 a 移交包
 * carried says the county archive must be sent a correction, the audit names the package, and
 * `archive transfers` lists the packages and the 移交后变更.
 */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('transfer packages on record (npm run export, archive unconfirm, archive transfers)', () => {
  let f: ArchiveFixture;
  let out: string;
  const env = () => ({ DATA_DIR: f.dataDir, TZ: 'Asia/Shanghai', ARCHIVE_CONFIG: TEST_ARCHIVE_YAML });
  const cli = (...args: string[]) => cliInProcess(['archive', ...args], env(), f.tdb);
  // Each package is handed to the county archive once made (archive transfers --handed): only a handed
  // package's 档号 retired later are owed corrections.
  const exportTo = async (name: string) => {
    const res = await exportInProcess(
      ['--unit', 'V1', '--year', '2025', '--out', join(out, name)],
      env(),
      f.tdb,
    );
    const made = /已记录为移交包 #(\d+)/.exec(res.stdout)?.[1];
    if (made) expect((await cli(...handOverArgs(made))).code).toBe(0);
    return res;
  };
  const pdf = () => ({ bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' });
  const packages = () =>
    queryRows<{
      id: number;
      actor: string;
      source: string;
      pre_check: boolean;
      digest: string;
      records: number;
    }>(
      f.db,
      sql`select id::int as id, actor, source, pre_check, digest, records::int as records
          from transfer_packages order by id`,
    );
  let items: number[];
  let codes: string[];
  let digest = '';

  beforeAll(async () => {
    f = await createArchiveFixture();
    out = mkdtempSync(join(tmpdir(), 'archive-transfers-'));
    items = [await f.fileItem(f.task.doc, [pdf()]), await f.fileItem(f.task.doc, [pdf()])];
    expect((await cli('confirm', '--unit', 'V1', '--year', '2025')).code).toBe(0);
    codes = [];
    for (const i of items) codes.push((await liveRecordOfItem(f.db, i))!.archivalCode);
  });
  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await f.close();
  });

  it('an export that fails records nothing', async () => {
    const busy = join(out, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, '别人的文件.txt'), 'x');
    const res = await exportTo('busy');
    expect(res.code).not.toBe(0);
    expect(await packages()).toEqual([]);
  });

  // A typo'd --year wrote an empty package, said 「四性检测：通过」 and recorded 「移交包 … 0 条」 for good.
  it('an export of a year with nothing confirmed is refused: nothing written, nothing recorded', async () => {
    const res = await exportInProcess(
      ['--unit', 'V1', '--year', '2024', '--out', join(out, 'typo')],
      env(),
      f.tdb,
    );
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(
      '东村2024年度还没有确认归档的材料，没有导出，也没有记录移交包。有确认归档材料的年度：2025；' +
        '要先确认归档：npm run cli -- archive confirm --unit V1 --year 2024（加 --dry-run 先看将编的档号）\n',
    );
    expect(res.code).toBe(1);
    expect(existsSync(join(out, 'typo'))).toBe(false);
    expect(existsSync(join(out, 'typo.partial'))).toBe(false);
    expect(await packages()).toEqual([]);
  });

  it('a finished export is recorded with its 档号 and 数字摘要; archive transfers lists it, no changes yet', async () => {
    const res = await exportTo('first');
    expect(res.code).toBe(0);
    digest = /数字摘要（SHA-256）([0-9a-f]{64})/.exec(res.stdout)![1]!;
    const [p] = await packages();
    expect(p).toMatchObject({ actor: 'cli', source: 'cli', pre_check: false, digest, records: 2 });
    expect(res.stdout).toContain(`已记录为移交包 #${p!.id}`);
    const carried = await queryRows<{ code: string }>(
      f.db,
      sql`select ar.archival_code as code from transfer_package_records r
          join archive_records ar on ar.id = r.record_id where r.package_id = ${p!.id} order by 1`,
    );
    expect(carried.map((r) => r.code)).toEqual([...codes].sort());
    const list = await cli('transfers', '--unit', 'V1');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('移交包记录 1 个');
    expect(list.stdout).toContain(`#${p!.id} `);
    // With its size on disk, the folder summed here.
    const size = packageSizeText(filesOnDisk(join(out, 'first')))!;
    expect(list.stdout).toContain(`2025年度 移交包 全宗 A182，2 件，${size}；已移交（`);
    expect(list.stdout).toContain('接收：县档案馆 王五）；命令行');
    expect(list.stdout).toContain(`数字摘要 ${digest}`);
    expect(list.stdout).toContain(join(out, 'first'));
    expect(list.stdout).toContain('移交后变更：无');
  });

  it('unconfirm of a 件 that went out says a correction must go to the county archive, and the audit names the package', async () => {
    const [p] = await packages();
    const res = await cli('unconfirm', '--code', codes[0]!, '--reason', '交错了任务');
    expect(res.code).toBe(0);
    const today = plainDate(new Date(), new Date(), 'Asia/Shanghai');
    expect(res.stdout).toContain(`已撤销确认：档号 ${codes[0]} 停用`);
    expect(res.stdout).toContain(
      `该件已于${today}随移交包移交，县档案馆保存的移交包中仍是档号 ${codes[0]}：请向县档案馆报送更正`,
    );
    const [audit] = await queryRows<{ details: any }>(
      f.db,
      sql`select details from audit_log where action = 'unconfirm' order by id desc limit 1`,
    );
    const details = typeof audit!.details === 'string' ? JSON.parse(audit!.details) : audit!.details;
    expect(details).toMatchObject({
      archivalCode: codes[0],
      transferPackages: [p!.id],
      correctionToArchive: true,
    });
  });

  it('archive transfers lists the 移交后变更: the retired 档号, its package, the reason', async () => {
    const [p] = await packages();
    const list = await cli('transfers');
    expect(list.stdout).toContain(
      '移交后变更 1 项，待报送 1 项（县档案馆保存的移交包中仍是原档号，请报送更正',
    );
    expect(list.stdout).toMatch(
      new RegExp(
        `${literal(codes[0]!)}（条目 ${items[0]}）随移交包 #${p!.id}（.+）移交；.+ 档号停用：交错了任务；尚未重新确认归档`,
      ),
    );
    expect(list.stdout).not.toContain(codes[1]!);
  });

  it('archive transfers --reported N marks the item’s correction as sent: listed so, audited, once', async () => {
    const res = await cli('transfers', '--reported', String(items[0]));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`已标记为已报送更正：${codes[0]}`);
    const list = (await cli('transfers')).stdout;
    expect(list).toContain('移交后变更 1 项，待报送 0 项');
    expect(list).toMatch(new RegExp(`${literal(codes[0]!)}（条目 ${items[0]}）.+；已报送更正（命令行，`));
    const audits = await queryRows<{ actor: string; source: string }>(
      f.db,
      sql`select actor, source from audit_log where action = 'transfer_correction'`,
    );
    expect(audits).toEqual([{ actor: 'cli', source: 'cli' }]);
    // Again, or an item with nothing owed: nothing marked, exit 1.
    const again = await cli('transfers', '--reported', String(items[0]));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('没有需要报送更正的档号');
    expect((await cli('transfers', '--reported', String(items[1]))).code).toBe(1);
  });

  it('archive transfers --unmark N takes the mark back (audited, owed again); --reported N --note says how it was reported', async () => {
    const marks = () =>
      queryRows<{ note: string | null }>(
        f.db,
        sql`select tc.note from transfer_corrections tc join archive_records ar on ar.id = tc.record_id
            where ar.item_id = ${items[0]}`,
      );
    const un = await cli('transfers', '--unmark', String(items[0]));
    expect(un.code).toBe(0);
    expect(un.stdout).toContain(`已撤销「已报送更正」标记：${codes[0]} 的更正重新列为待报送`);
    expect(await marks()).toEqual([]);
    expect((await cli('transfers')).stdout).toContain('移交后变更 1 项，待报送 1 项');
    const [undone] = await queryRows<{ actor: string; source: string; details: any }>(
      f.db,
      sql`select actor, source, details from audit_log where action = 'transfer_correction_undone'`,
    );
    expect(undone).toMatchObject({ actor: 'cli', source: 'cli' });
    const undoneDetails = typeof undone!.details === 'string' ? JSON.parse(undone!.details) : undone!.details;
    expect(undoneDetails).toMatchObject({ archivalCode: codes[0], reportedBy: 'cli' });
    // Nothing marked on it now (or on an item never marked): exit 1, nothing written.
    const again = await cli('transfers', '--unmark', String(items[0]));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('没有标记为已报送');

    // Marked again, with the letter it went by: stored, audited, listed.
    const res = await cli('transfers', '--reported', String(items[0]), '--note', ' 县档函〔2026〕12号 ');
    expect(res.code).toBe(0);
    expect(await marks()).toEqual([{ note: '县档函〔2026〕12号' }]);
    const [audit] = await queryRows<{ details: any }>(
      f.db,
      sql`select details from audit_log where action = 'transfer_correction' order by id desc limit 1`,
    );
    const details = typeof audit!.details === 'string' ? JSON.parse(audit!.details) : audit!.details;
    expect(details).toMatchObject({ archivalCode: codes[0], note: '县档函〔2026〕12号' });
    expect((await cli('transfers')).stdout).toMatch(
      new RegExp(
        `${literal(codes[0]!)}（条目 .+；已报送更正（命令行，[^，]+，报送方式：县档函〔2026〕12号）`,
      ),
    );
    // A note too long, or --note without --reported: the usage, exit 2, nothing opened.
    const long = await cli('transfers', '--reported', String(items[1]), '--note', '函'.repeat(101));
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('报送方式最多 100 字');
    expect((await cli('transfers', '--note', '县档函')).code).toBe(2);
    expect((await cli('transfers', '--reported', '1', '--unmark', '1')).code).toBe(2);
  });

  it('the next export’s 说明文件 lists the 移交后变更 for the county archive', async () => {
    const res = await exportTo('second');
    expect(res.code).toBe(0);
    const readme = readFileSync(join(out, 'second', '说明文件.TXT'), 'utf8');
    expect(readme).toContain(
      '移交后变更：此前已移交的以下 1 个档号其后停用（撤销归档确认），贵馆保存的移交包中仍是原档号',
    );
    expect(readme).toMatch(
      new RegExp(
        `  ${literal(codes[0]!)}（\\d{4}-\\d{2}-\\d{2} 移交；\\d{4}-\\d{2}-\\d{2} 停用，原因：交错了任务）`,
      ),
    );
    expect(readme).not.toContain(`  ${codes[1]}（`);
    // Both packages on record: the second carries the one 件 still live.
    expect((await packages()).map((p) => p.records)).toEqual([2, 1]);
  });

  it('a 件 confirmed after the export is not in it: its unconfirm warns of nothing', async () => {
    const later = await f.fileItem(f.task.doc, [pdf()]);
    await cli('confirm', '--unit', 'V1', '--year', '2025');
    const code = (await liveRecordOfItem(f.db, later))!.archivalCode;
    const res = await cli('unconfirm', '--code', code, '--reason', '测试');
    expect(res.stdout.trimEnd()).toBe(`已撤销确认：档号 ${code} 停用（件号不再使用，目录中保留并注明）`);
    expect((await cli('transfers')).stdout).toContain('移交后变更 1 项');
  });

  it('an export to a folder an earlier package went out from (a carrier wiped and reused) keeps that package on record', async () => {
    const before = await packages();
    const first = before[0]!;
    // The first carrier went to the county archive; the folder (a USB disk's, say) is empty again.
    rmSync(join(out, 'first'), { recursive: true, force: true });
    expect((await exportTo('first')).code).toBe(0);
    const after = await packages();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(before.length + 1);
    // Its retired 档号 still needs the correction the archive was told of.
    expect((await cli('transfers')).stdout).toContain(`随移交包 #${first.id}（`);
    // …but the second package's 说明文件 told the archive already: this one does not repeat it.
    const readme = readFileSync(join(out, 'first', '说明文件.TXT'), 'utf8');
    expect(readme).not.toContain('移交后变更');
    expect(readme).not.toContain(codes[0]!);
  });

  it('a 档号 three packages carried counts once in archive transfers, and is stated once, by the next package', async () => {
    const ids = (await packages()).map((p) => p.id);
    expect(ids).toHaveLength(3);
    expect((await cli('unconfirm', '--code', codes[1]!, '--reason', '页数有误')).code).toBe(0);
    const list = (await cli('transfers')).stdout;
    expect(list).toContain('移交后变更 2 项，待报送 1 项');
    const lines = list.split('\n').filter((l) => l.includes(`${codes[1]}（条目`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`随移交包 ${ids.map((id) => `#${id}（[^）]+）`).join('、')}移交；.+ 档号停用：页数有误`),
    );
    expect(lines[0]).toContain('待报送更正');
    // The earlier change names the package whose 说明文件 stated it.
    expect(list).toMatch(
      new RegExp(`${literal(codes[0]!)}（条目.+；已写入移交包 #${ids[1]} 的说明文件；已报送更正`),
    );

    expect((await exportTo('fourth')).code).toBe(0);
    const readme = readFileSync(join(out, 'fourth', '说明文件.TXT'), 'utf8');
    expect(readme).toContain('移交后变更：此前已移交的以下 1 个档号其后停用');
    expect(readme).toContain(`  ${codes[1]}（`);
    expect(readme).not.toContain(codes[0]!);
    const fourth = (await packages()).at(-1)!.id;
    expect((await cli('transfers')).stdout).toContain(`；已写入移交包 #${fourth} 的说明文件；待报送更正`);
  });
});
