import { sql } from 'drizzle-orm';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArchiveCommand } from '../../src/cli/archive.js';
import { queryRows } from '../../src/db/client.js';
import { liveRecordOfItem } from '../../src/db/repos/archive-records.js';
import { runCli } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { createArchiveFixture, minimalPdf, photoJpeg, type ArchiveFixture } from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

describe('npm run cli -- archive …', () => {
  let f: ArchiveFixture;
  let lines: string[];
  let photo: number;
  const run = (...args: string[]) => {
    lines = [];
    return runArchiveCommand(args, {
      db: f.db,
      env: { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
      out: (l) => lines.push(l),
    });
  };
  beforeAll(async () => {
    f = await createArchiveFixture();
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(2), kind: 'document', mime: 'application/pdf' }]);
    photo = await f.fileItem(f.task.photo, [{ bytes: await photoJpeg(), kind: 'photo', mime: 'image/jpeg' }]);
  });
  afterAll(() => f.close());

  it('lists photo description gaps, records a description, confirms and unconfirms', async () => {
    await run('gaps', '--unit', 'T1');
    expect(lines.join('\n')).toContain('缺：事由、地点、人物');
    await run('describe', '--item', String(photo), '--reason', '公示', '--place', '东村', '--people', '张三');
    expect(lines[0]).toBe('已保存说明');
    await run('gaps', '--unit', 'T1');
    expect(lines).toEqual(['共 0 组照片说明不完整']);
    await run('confirm', '--unit', 'V1', '--year', '2025', '--task', 'C01');
    expect(lines[0]).toContain('A182-WS·2025-D30-ZH-0001（1件）');
    await run('unconfirm', '--code', 'A182-WS·2025-D30-ZH-0001', '--reason', '测试');
    expect(lines[0]).toContain('停用');
    await expect(run('confirm', '--unit', 'V1')).rejects.toMatchObject({ code: 'usage' });
    await expect(run('nonsense')).rejects.toMatchObject({ code: 'usage' });
  });

  it('a refile or unfile of a confirmed 件 names the command that unconfirms it and what becomes of its 档号', async () => {
    await run('confirm', '--unit', 'V1', '--year', '2025', '--task', 'C02');
    expect(lines[0]).toContain('A182-ZP·2025-Y-0001（1件）');
    const next = `archive unconfirm --item ${photo} --reason 原因，再改归（原档号停用，重新确认归档时编新的档号）`;
    await expect(run('refile', '--item', String(photo), '--task', 'C01')).rejects.toThrow(
      `该件已确认归档（档号 A182-ZP·2025-Y-0001），请档案员先撤销确认：${next}`,
    );
    await expect(run('unfile', '--item', String(photo))).rejects.toThrow(
      `archive unconfirm --item ${photo} --reason 原因，再撤下（原档号停用，重新确认归档时编新的档号）`,
    );
  });

  it('refuses non-numeric ids, 页数 and years as usage errors before touching the database', async () => {
    for (const args of [
      ['unconfirm', '--item', 'abc'],
      ['unconfirm', '--item', '12abc'],
      ['describe', '--item', '0', '--reason', '公示'],
      ['describe', '--item', String(photo), '--pages', 'two'],
      ['gaps', '--unit', 'T1', '--year', '20x5'],
      ['confirm', '--unit', 'V1', '--year', '25'],
    ])
      await expect(run(...args), args.join(' ')).rejects.toMatchObject({ code: 'usage' });
    await expect(run('unconfirm', '--item', 'abc')).rejects.toThrow('--item 须为正整数，收到 "abc"');
  });

  it('unconfirm finds a 档号 typed with 「.」 for 「·」, and retires nothing on an unknown id or 档号, or an item and a 档号 that disagree', async () => {
    const pdf = { bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' };
    const [d1, d2] = [await f.fileItem(f.task.doc, [pdf]), await f.fileItem(f.task.doc, [pdf])];
    await run('confirm', '--unit', 'V1', '--year', '2025', '--task', 'C01');
    const code2 = (await liveRecordOfItem(f.db, d2))!.archivalCode;
    // The item of one record with the 档号 of another: neither number is retired.
    await expect(
      run('unconfirm', '--item', String(d1), '--code', code2, '--reason', '归错'),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: `档号 ${code2} 是条目 ${d2} 的，不是条目 ${d1} 的；没有撤销。请只写 --item 或 --code 其中一个`,
    });
    expect((await liveRecordOfItem(f.db, d1))?.status).toBe('confirmed');
    expect((await liveRecordOfItem(f.db, d2))?.archivalCode).toBe(code2);
    await expect(run('unconfirm', '--item', '99999')).rejects.toThrow('找不到条目 99999');
    await expect(run('unconfirm', '--code', 'A182-WS.2025-D30-ZH-9999')).rejects.toThrow(
      '找不到档号 A182-WS.2025-D30-ZH-9999：请照归档文件目录或条目页核对',
    );
    // As typed on a keyboard: a full stop for the middle dot, lower case.
    await run('unconfirm', '--code', code2.replace('·', '.').toLowerCase(), '--reason', '归错');
    expect(lines).toEqual([`已撤销确认：档号 ${code2} 停用（件号不再使用，目录中保留并注明）`]);
    expect(await liveRecordOfItem(f.db, d2)).toBeUndefined();
    await run('unconfirm', '--code', code2);
    expect(lines).toEqual([`档号 ${code2} 已经停用`]);
    // The command's exit code says nothing was done.
    const res = await cliInProcess(['archive', 'unconfirm', '--code', 'A182-WS.2025-D30-ZH-9999'], {}, f.tdb);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('找不到档号 A182-WS.2025-D30-ZH-9999');
  });

  it('unconfirm of several 档号 in one line: all or nothing — one unknown, retired already or named twice retires none, listed; then all, each audited', async () => {
    const pdf = { bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' };
    const ids = [
      await f.fileItem(f.task.doc, [pdf]),
      await f.fileItem(f.task.doc, [pdf]),
      await f.fileItem(f.task.doc, [pdf]),
    ];
    await run('confirm', '--unit', 'V1', '--year', '2025', '--task', 'C01');
    const codes: string[] = [];
    for (const i of ids) codes.push((await liveRecordOfItem(f.db, i))!.archivalCode);
    const cli = (...args: string[]) => cliInProcess(['archive', 'unconfirm', ...args], {}, f.tdb);
    const live = async () =>
      (await Promise.all(ids.map((i) => liveRecordOfItem(f.db, i)))).map((r) => r?.archivalCode);
    const unconfirms = async () =>
      (
        await queryRows<{ n: number }>(
          f.db,
          sql`select count(*)::int as n from audit_log where action = 'unconfirm'`,
        )
      )[0]!.n;
    const before = await unconfirms();

    // A mistyped 档号 among good ones, and one named twice (typed two ways): nothing retired, each said.
    const typo = 'A182-WS·2025-D30-ZH-9999';
    const bad = await cli(
      '--code',
      codes[0]!,
      '--code',
      typo,
      '--code',
      codes[1]!,
      '--code',
      codes[1]!.replace('·', '.'),
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('没有撤销任何档号：4 个中有 2 个不能撤销，改正后再一起撤销。');
    expect(bad.stderr).toContain(`  ${typo}：找不到档号 ${typo}`);
    expect(bad.stderr).toContain(`与前面的档号 ${codes[1]} 是同一件，写了两次`);
    expect(await live()).toEqual(codes);
    expect(await unconfirms()).toBe(before);
    // --item and --code mixed over several 件: which goes with which is a guess, the usage (exit 2).
    const mixed = await cli('--code', codes[0]!, '--code', codes[1]!, '--item', String(ids[2]));
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('只用 --code');

    // Corrected: all three in one line, each retired and audited with the reason.
    const ok = await cli(
      '--code',
      codes[0]!,
      '--code',
      codes[1]!,
      '--code',
      codes[2]!,
      '--reason',
      '批量归错',
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trimEnd().split('\n')).toEqual(
      [...codes].sort().map((c) => `已撤销确认：档号 ${c} 停用（件号不再使用，目录中保留并注明）`),
    );
    expect(await live()).toEqual([undefined, undefined, undefined]);
    const audits = await queryRows<{ code: string; reason: string; actor: string }>(
      f.db,
      sql`select details->>'archivalCode' as code, details->>'reason' as reason, actor from audit_log
          where action = 'unconfirm' order by id desc limit 3`,
    );
    expect(audits.map((a) => a.code).sort()).toEqual([...codes].sort());
    expect(new Set(audits.map((a) => `${a.actor} ${a.reason}`))).toEqual(new Set(['cli 批量归错']));
    // One of them retired already: the line retires nothing more and says which.
    const again = await cli('--item', String(ids[0]), '--item', String(ids[1]));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`条目 ${ids[0]}：这条材料还没有确认归档`);
  });

  it('with yearSeparator 「.」 in archive.yaml, unconfirm finds a 档号 typed with 「·」「・」「．」「－」「-」「—」', async () => {
    const yaml = join(f.dataDir, 'archive-dot.yaml');
    writeFileSync(
      yaml,
      `${readFileSync(TEST_ARCHIVE_YAML, 'utf8')}\nyearSeparator: '.'\n`.replace("yearSeparator: '·'\n", ''),
    );
    const withDot = (...args: string[]) => {
      lines = [];
      const env = { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: yaml };
      return runArchiveCommand(args, { db: f.db, env, out: (l) => lines.push(l) });
    };
    const pdf = { bytes: minimalPdf(1), kind: 'document' as const, mime: 'application/pdf' };
    const docs: number[] = [];
    for (let i = 0; i < 7; i++) docs.push(await f.fileItem(f.task.doc, [pdf]));
    await withDot('confirm', '--unit', 'V1', '--year', '2025', '--task', 'C01');
    const codes: string[] = [];
    for (const d of docs) codes.push((await liveRecordOfItem(f.db, d))!.archivalCode);
    for (const c of codes) expect(c).toMatch(/^A182-WS\.2025-D30-ZH-\d{4}$/);
    const typed = ['·', '・', '．', '－', '-', '—', '——'];
    for (const [i, sep] of typed.entries()) {
      await withDot('unconfirm', '--code', codes[i]!.replace('.', sep).toLowerCase(), '--reason', '归错');
      expect(lines, sep).toEqual([`已撤销确认：档号 ${codes[i]} 停用（件号不再使用，目录中保留并注明）`]);
      expect(await liveRecordOfItem(f.db, docs[i]!), sep).toBeUndefined();
    }
    // An unknown 档号 is not explained with an example of another separator.
    await expect(withDot('unconfirm', '--code', 'A182-WS·2025-D30-ZH-9999')).rejects.toThrow(
      '找不到档号 A182-WS·2025-D30-ZH-9999：请照归档文件目录或条目页核对（「·」「.」「-」可以互换，不分大小写）',
    );
  });

  it('describe refuses, naming it, a value the 四性 check would refuse in the package, and saves nothing', async () => {
    const doc = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' },
    ]);
    for (const [args, says] of [
      [['--doc-number', '县扶办发2025年3号'], '文号“县扶办发2025年3号”不符合“机关代字〔年份〕序号号”的格式'],
      [['--secrecy', '秘密'], '密级“秘密”：涉密文件不得经本系统归档移交'],
      [['--date', '19450903'], '日期“19450903”超出合理范围'],
    ] as const)
      await expect(run('describe', '--item', String(doc), ...args), says).rejects.toMatchObject({
        code: 'field_out_of_range',
        message: expect.stringContaining(says),
      });
    const saved = await queryRows(f.db, sql`select 1 from item_descriptions where item_id = ${doc}`);
    expect(saved).toEqual([]);
    await run('describe', '--item', String(doc), '--doc-number', '县扶办发[2025]3号', '--secrecy', '内部');
    expect(lines).toEqual(['已保存说明']);
  });

  it('confirm --dry-run lists each 件 with the 档号 confirm then gives, and what is left out, writing nothing', async () => {
    const doc = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' },
    ]);
    const bare = await f.fileItem(f.task.photo, [
      { bytes: await photoJpeg(), kind: 'photo', mime: 'image/jpeg' },
    ]);
    const cli = (...args: string[]) =>
      cliInProcess(['archive', ...args], { DATA_DIR: f.dataDir, ARCHIVE_CONFIG: TEST_ARCHIVE_YAML }, f.tdb);
    const titleOf = async (id: number) =>
      (await queryRows<{ title: string }>(f.db, sql`select title from filing_items where id = ${id}`))[0]!
        .title;
    /** Every table's rows (count and digest) and every file under the data folder. */
    const state = async () => {
      const tables = await queryRows<{ t: string }>(
        f.db,
        sql`select table_name as t from information_schema.tables
            where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
      );
      const rows: Record<string, unknown> = {};
      for (const { t } of tables)
        rows[t] = await queryRows(
          f.db,
          sql.raw(`select count(*)::int as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as h
                   from "${t}" x`),
        );
      return { rows, files: readdirSync(f.dataDir, { recursive: true }).map(String).sort() };
    };
    const before = await state();
    const dry = await cli('confirm', '--unit', 'V1', '--year', '2025', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(await state()).toEqual(before);
    const out = dry.stdout.trimEnd().split('\n');
    expect(out[0]).toMatch(
      /^试运行，没有写入任何内容。确认归档将给东村2025年度 \d+ 件编上档号（编上后不再改动）：$/,
    );
    const listed = new Map(
      out.flatMap((l) => {
        const m = /^(\S+)\t条目 (\d+)\t/.exec(l);
        return m ? [[Number(m[2]), m[1]!]] : [];
      }),
    );
    expect(listed.size).toBe(Number(/ (\d+) 件/.exec(out[0]!)![1]));
    expect([...listed.keys()]).toEqual(expect.arrayContaining([doc, bare]));
    expect(out).toContain(`${listed.get(doc)}\t条目 ${doc}\tC01\t${await titleOf(doc)}`);
    // The photo group without its 说明 is numbered all the same, and said so.
    expect(out).toContain(
      `${listed.get(bare)}\t条目 ${bare}\tC02\t${await titleOf(bare)}\t照片说明缺事由、地点、人物`,
    );
    expect(out).toContain('其中 1 组照片还没有写说明：照样编号，可以先补说明再确认（archive describe）');
    expect(out.at(-1)).toBe('去掉 --dry-run 即确认归档');

    // confirm then gives exactly those numbers.
    const real = await cli('confirm', '--unit', 'V1', '--year', '2025');
    expect(real.code, real.stderr).toBe(0);
    const given = new Map(
      await Promise.all(
        [...listed.keys()].map(async (id) => [id, (await liveRecordOfItem(f.db, id))?.archivalCode] as const),
      ),
    );
    expect(given).toEqual(listed);

    const none = await cli('confirm', '--unit', 'V1', '--year', '2025', '--dry-run');
    expect(none.stdout).toBe(
      '试运行，没有写入任何内容：东村2025年度没有待确认的归档材料，确认归档不会编号\n',
    );
    expect((await cli('unconfirm', '--item', String(doc), '--dry-run')).code).toBe(2);
  });

  it('exits with code 2 on a bad number (npm run cli -- archive unconfirm --item abc)', async () => {
    // A migrated database (this file's PostgreSQL one, or a data folder): the process opens it before
    // it reads the arguments, and need not run initdb and every migration first.
    const dataDir = await seededDataDir('archive-cli', { onPostgres: 'empty' });
    try {
      // From the data folder: no .env of the developer's is read.
      const res = await runCli(
        ['archive', 'unconfirm', '--item', 'abc'],
        { DATA_DIR: dataDir, ...(f.tdb.url ? { DATABASE_URL: f.tdb.url } : {}) },
        { cwd: dataDir },
      );
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('--item 须为正整数');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
