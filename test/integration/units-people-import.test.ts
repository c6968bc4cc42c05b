import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnitsCommand } from '../../src/cli/units.js';
import { openDb, queryRows, type Database } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { runCli } from '../support/bot-process.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { ORG_CSV } from './campaign-fixtures.js';

/** The open_ids the fake Lark gives the people it knows, Lark-shaped, sorting as their names did. */
const LARK = {
  li: 'ou_1a000000000000000000000000000001',
  wang: 'ou_1b000000000000000000000000000001',
  zhang: 'ou_1c000000000000000000000000000001',
  zhao: 'ou_1d000000000000000000000000000001',
};

const root = fileURLToPath(new URL('../..', import.meta.url));
const GBK_CSV = join(root, 'test/fixtures/people/people-gbk.csv');

const rolesOf = (db: Database['db']) =>
  queryRows<{ name: string; code: string; role: string; open_id: string }>(
    db,
    sql`select p.name, u.code, r.role, r.open_id from unit_roles r join units u on u.id = r.unit_id
        left join people p on p.open_id = r.open_id order by r.open_id, u.code, r.role`,
  );
const auditCount = async (db: Database['db']) =>
  Number(
    (
      await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int as n from audit_log where action = 'grant_role'`,
      )
    )[0]!.n,
  );

interface PeopleWorld {
  fake: FakeLark;
  tdb: TestDb;
}

/**
 * For one describe: a fake Lark that knows 张三, 李四 and 王五 by mobile, and a database holding
 * ORG_CSV's units; `dir` is removed afterwards.
 */
function usePeopleWorld(w: PeopleWorld, clock: ManualClock, dir: string): void {
  beforeAll(async () => {
    w.fake = await startFakeLark();
    w.fake.addUser({ openId: LARK.zhang, name: '张三', mobile: '13800138001' });
    w.fake.addUser({ openId: LARK.li, name: '李四', mobile: '13800138002' });
    w.fake.addUser({ openId: LARK.wang, name: '王五', mobile: '13900000009' });
    w.tdb = await createTestDb();
    await importUnits({ db: w.tdb.db, clock }, { text: ORG_CSV, fileName: 'org.csv' });
  });
  afterAll(async () => {
    await w.fake.close();
    await w.tdb.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

async function writeXlsx(path: string, rows: unknown[][]): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(path);
}

describe('units people import as a process (xlsx, GBK CSV, mobiles and emails through Lark)', () => {
  let fake: FakeLark;
  let tdb: TestDb | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'archive-people-'));
  let dataDir: string;
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  const env = () => ({
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.baseUrl,
    ...(tdb?.url ? { DATABASE_URL: tdb.url } : { DATA_DIR: dataDir }),
    TZ: 'Asia/Shanghai',
  });
  /** The CLI's own database, opened between runs (PGlite: the folder, so only while no CLI runs). */
  const withDb = async <T>(fn: (db: Database['db'], database: Database) => Promise<T>): Promise<T> => {
    if (tdb) return fn(tdb.db, tdb);
    const database = await openDb({ dataDir });
    try {
      await migrate(database);
      return await fn(database.db, database);
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    dataDir = await seededDataDir('archive-people', { onPostgres: 'empty' });
    fake = await startFakeLark();
    fake.addUser({ openId: LARK.zhang, name: '张三', mobile: '13800138001' });
    fake.addUser({ openId: LARK.li, name: '李四', mobile: '13800138002', email: 'li.si@example.cn' });
    fake.addUser({ openId: LARK.zhao, name: '赵六', email: 'zhao@example.cn' });
    if (process.env.TEST_DATABASE_URL) tdb = await createTestDb();
    await withDb((db) => importUnits({ db, clock }, { text: ORG_CSV, fileName: 'org.csv' }));
  }, 120_000);
  afterAll(async () => {
    await fake.close();
    await tdb?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'imports an .xlsx naming people by mobile and email, once; a second run changes nothing',
    { timeout: 120_000 },
    async () => {
      const file = join(dir, '人员.xlsx');
      await writeXlsx(file, [
        ['姓名', '手机号', '邮箱', '单位编码', '角色'],
        ['张三', 13800138001, null, 'V1', '村干部'],
        ['李四', null, { text: 'li.si@example.cn', hyperlink: 'mailto:li.si@example.cn' }, 'T1', '档案员'],
        ['赵六', null, 'zhao@example.cn', 'X', 'leader'],
      ]);
      const first = await runCli(['units', 'people', 'import', file], env());
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('读取 人员.xlsx（Excel 工作表「人员」）');
      expect(first.stdout).toContain(
        '人员导入完成：3 人，新增角色 3，已有 0，其中 3 行按手机号/邮箱在飞书找到',
      );
      const lookups = fake.callsTo('POST', '/open-apis/contact/v3/users/batch_get_id');
      expect(lookups).toHaveLength(1);
      expect(lookups[0]!.query).toEqual({ user_id_type: 'open_id' });
      expect(lookups[0]!.json).toEqual({
        mobiles: ['13800138001'],
        emails: ['li.si@example.cn', 'zhao@example.cn'],
        include_resigned: false,
      });
      // The second run in-process (the same command on the same database), to spare a process start,
      // and the checks on the same opening of the folder.
      await withDb(async (db) => {
        const second: string[] = [];
        await runUnitsCommand(['people', 'import', file], {
          db,
          clock,
          env: env(),
          out: (l) => second.push(l),
        });
        expect(second).toContain('人员导入完成：3 人，新增角色 0，已有 3，其中 3 行按手机号/邮箱在飞书找到');
        expect(await rolesOf(db)).toEqual([
          { name: '李四', code: 'T1', role: 'archivist', open_id: LARK.li },
          { name: '张三', code: 'V1', role: 'officer', open_id: LARK.zhang },
          { name: '赵六', code: 'X', role: 'leader', open_id: LARK.zhao },
        ]);
        expect(await auditCount(db)).toBe(3);
      });
    },
  );

  it(
    'refuses a GBK CSV with a mobile Lark does not know, naming its line, and writes nothing',
    { timeout: 120_000 },
    async () => {
      // Through the same runCli as the process above, in this process, on one opening of the folder.
      await withDb(async (db, database) => {
        const before = await rolesOf(db);
        const run = await cliInProcess(['units', 'people', 'import', GBK_CSV], env(), database);
        expect(run.code).toBe(1);
        expect(run.stdout).toContain('读取 people-gbk.csv（CSV，GBK 编码）');
        expect(run.stderr.trim()).toBe(
          'people-gbk.csv 第 4 行: 飞书里找不到手机号 13900000009（王五）——号码不对、不在应用的通讯录范围内，或已离职',
        );
        expect(run.stderr + run.stdout).not.toContain(fake.appSecret);
        expect(await rolesOf(db)).toEqual(before);
      });
    },
  );
});

describe('units people import: every kind of bad file is refused, naming lines, nothing written', () => {
  const w = {} as PeopleWorld;
  const dir = mkdtempSync(join(tmpdir(), 'archive-people-bad-'));
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  const run = async (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    const out: string[] = [];
    const env = { LARK_APP_ID: w.fake.appId, LARK_APP_SECRET: w.fake.appSecret, LARK_DOMAIN: w.fake.baseUrl };
    try {
      await runUnitsCommand(['people', 'import', path], {
        db: w.tdb.db,
        clock,
        env,
        out: (l) => out.push(l),
      });
      return out.join('\n');
    } catch (err) {
      return `ERROR ${(err as Error).message}`;
    }
  };

  usePeopleWorld(w, clock, dir);

  it('refuses each bad file with a clear message', async () => {
    const cases: [string, string | Buffer, string][] = [
      [
        'cols.csv',
        'name,mobile,unit_code,role,部门\n张三,13800138001,V1,officer,办公室\n',
        'ERROR cols.csv 第 1 行（表头）: 不认识的列 部门（可用的列: open_id 或 手机号/mobile 或 邮箱/email，姓名/name，单位编码/unit_code，角色/role）',
      ],
      [
        'noid.csv',
        'name,unit_code,role\n张三,V1,officer\n',
        'ERROR noid.csv 第 1 行（表头）: 需要 open_id、手机号（mobile）或邮箱（email）中的一列来认人',
      ],
      [
        'dup.csv',
        'name,mobile,unit_code,role\n张三,13800138001,V1,officer\n李四,13800138002,T1,archivist\n张三,138-0013-8001,V1,村干部\n张三丰,13800138001,V2,officer\n',
        'ERROR dup.csv 第 4 行: 与第 2 行重复（手机号 13800138001，V1，村干部）\n' +
          'dup.csv 第 5 行: 手机号 13800138001 在第 2 行叫 张三，这里叫 张三丰',
      ],
      [
        'same-person.csv',
        `name,open_id,mobile,unit_code,role\n张三,${LARK.zhang},,V1,officer\n张三,,13800138001,V1,officer\n`,
        'ERROR same-person.csv 第 3 行: 与第 2 行是同一个人（张三）、同一单位、同一角色',
      ],
      [
        'units.csv',
        'name,mobile,unit_code,role\n张三,13800138001,V1,officer\n李四,13800138002,NOPE,officer\n',
        'ERROR units.csv 第 3 行: 单位编码 NOPE 不存在',
      ],
      [
        'role.csv',
        'name,mobile,unit_code,role\n张三,13800138001,V1,村长\n李四,12ab,V1,officer\n',
        'ERROR role.csv 第 2 行: 角色 "村长" 不对，应为 officer/村干部/经办人、archivist/档案员、leader/领导 或 admin/管理员\n' +
          'role.csv 第 3 行: 手机号 "12ab" 不对',
      ],
      [
        // A mistyped open_id would be stored and never match anyone in Lark: ou_ and about 30 letters/digits.
        'open-id.csv',
        'name,open_id,unit_code,role\n张三,ou_typo,V1,officer\n' +
          '李四,ou_1a0000000000000,T1,archivist\n' + // half an id copied
          '王五,ou_1B000000000000000000000000000001,V2,officer\n' + // upper case
          `赵六,${LARK.zhao},X,leader\n`,
        ['ou_typo', 'ou_1a0000000000000', 'ou_1B000000000000000000000000000001']
          .map(
            (id, i) =>
              `open-id.csv 第 ${i + 2} 行: open_id "${id}" 不对，飞书的 open_id 是 ou_ 加三十来位数字和小写字母（请从飞书复制完整），或不填 open_id 改填手机号`,
          )
          .join('\n')
          .replace(/^/, 'ERROR '),
      ],
      [
        'binary.csv',
        Buffer.concat([Buffer.from('name,mobile\n张三,1\n'), Buffer.from([0x00, 0x01, 0xff, 0x00])]),
        'ERROR binary.csv 第 3 行: 含有二进制内容（NUL 字节），不是 CSV 文本文件',
      ],
      [
        'mixed.csv',
        Buffer.concat([
          Buffer.from('name,mobile,unit_code,role\n张三,13800138001,V1,officer\n'),
          Buffer.from([0xff, 0xfe, 0xfd, 0x0a]),
        ]),
        'ERROR mixed.csv 第 3 行: 既不是 UTF-8 也不是 GBK 编码的文本（是二进制文件，或混用了编码）',
      ],
      [
        'old.xls',
        Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]),
        'ERROR old.xls: 是旧版 Excel（.xls），请在 Excel/WPS 里另存为 .xlsx 或 CSV',
      ],
      [
        'broken.xlsx',
        Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]),
        'ERROR broken.xlsx: 不是有效的 .xlsx 工作簿',
      ],
      [
        'utf16.csv',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\r\n', 'utf16le')]),
        'ERROR utf16.csv: 是 UTF-16 编码（"Unicode 文本"），请在 Excel/WPS 里另存为 “CSV UTF-8” 或 .xlsx',
      ],
    ];
    for (const [name, content, expected] of cases) {
      const got = await run(name, content);
      if (name === 'broken.xlsx') expect(got.startsWith(expected), got).toBe(true);
      else expect(got, name).toBe(expected);
    }
    const big = join(dir, 'huge.csv');
    writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, 0x61));
    const out: string[] = [];
    const err = await runUnitsCommand(['people', 'import', big], {
      db: w.tdb.db,
      clock,
      out: (l) => out.push(l),
    }).catch((e) => e);
    expect(err.message).toBe(
      'huge.csv: 文件有 50.0 MB，超过 10 MB 的上限（人员表、单位表通常不到 1 MB，是不是选错了文件？）',
    );
    expect(await rolesOf(w.tdb.db)).toEqual([]);
    expect(await auditCount(w.tdb.db)).toBe(0);
  });

  it('reads GBK and UTF-8 (with BOM) alike, says which, and looks up 50 mobiles per call', async () => {
    expect(await run('people-gbk.csv', (await import('node:fs')).readFileSync(GBK_CSV))).toBe(
      '读取 people-gbk.csv（CSV，GBK 编码）\n人员导入完成：3 人，新增角色 3，已有 0，其中 3 行按手机号/邮箱在飞书找到',
    );
    const lines = ['\uFEFF姓名,手机号,单位编码,角色'];
    for (let i = 0; i < 60; i++) {
      const mobile = `1370000${String(i).padStart(4, '0')}`;
      w.fake.addUser({ openId: `ou_m${i}`, name: `人${i}`, mobile });
      lines.push(`人${i},${mobile},V3,officer`);
    }
    w.fake.calls.length = 0;
    expect(await run('many.csv', lines.join('\n'))).toBe(
      '读取 many.csv（CSV，UTF-8 (BOM) 编码）\n人员导入完成：60 人，新增角色 60，已有 0，其中 60 行按手机号/邮箱在飞书找到',
    );
    const calls = w.fake.callsTo('POST', '/open-apis/contact/v3/users/batch_get_id');
    expect(calls.map((c) => (c.json as { mobiles: string[] }).mobiles.length)).toEqual([50, 10]);
    expect((await rolesOf(w.tdb.db)).filter((r) => r.code === 'V3')).toHaveLength(60);
  });

  /**
   * The IT person imports on a server that cannot reach Lark, or for an app not yet granted the
   * contact scope: one plain line saying nothing was imported and what to check, not the SDK's
   * "contact.user.batchGetId: ENOTFOUND: getaddrinfo ENOTFOUND open.feishu.cn".
   */
  it('says plainly when Lark cannot be reached or refuses the lookup, and writes nothing', async () => {
    const path = join(dir, 'bymobile.csv');
    writeFileSync(path, 'name,mobile,unit_code,role\n张三,13800138001,V1,officer\n');
    const before = await rolesOf(w.tdb.db);
    const attempt = (env: Record<string, string>) =>
      runUnitsCommand(['people', 'import', path], { db: w.tdb.db, clock, env, out: () => {} }).then(
        () => 'imported',
        (e: Error) => e.message,
      );
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const unreachable = await attempt({
      LARK_APP_ID: w.fake.appId,
      LARK_APP_SECRET: w.fake.appSecret,
      LARK_DOMAIN: deadUrl,
    });
    expect(unreachable).toBe(
      `连不上飞书（${deadUrl}），按手机号或邮箱认人没有做成，没有导入任何人：请检查这台服务器能否访问飞书，或在表里用 open_id 列代替手机号/邮箱`,
    );

    w.fake.inject({
      method: 'POST',
      path: '/open-apis/contact/v3/users/batch_get_id',
      fault: {
        code: 99991672,
        msg: 'Access denied. One of the following scopes is required: [contact:user.id:readonly]',
      },
      times: 1,
    });
    const refused = await attempt({
      LARK_APP_ID: w.fake.appId,
      LARK_APP_SECRET: w.fake.appSecret,
      LARK_DOMAIN: w.fake.baseUrl,
    });
    expect(refused).toBe(
      '飞书拒绝了按手机号或邮箱认人（错误码 99991672），没有导入任何人：请在开发者后台为应用开通权限 contact:user.id:readonly 并发布版本（通讯录权限范围要包含这些人），再检查 LARK_APP_ID / LARK_APP_SECRET',
    );
    expect(await rolesOf(w.tdb.db)).toEqual(before);
  });

  it('says which settings are missing when a file needs Lark and none is configured', async () => {
    const path = join(dir, 'nolark.csv');
    writeFileSync(path, 'name,email,unit_code,role\n某人,a@b.cn,V1,officer\n');
    const err = await runUnitsCommand(['people', 'import', path], {
      db: w.tdb.db,
      clock,
      env: {},
      out: () => {},
    }).catch((e) => e);
    expect(err.message).toContain(
      '按手机号或邮箱认人要调用飞书接口，但配置不全:\n  - LARK_APP_ID：没有填写。在开发者后台',
    );
  });
});

/**
 * The people table fixed and imported again: a 村干部 typed under 西村 (V2) and corrected to 东村 (V1)
 * stayed 西村's 村干部 too, said nowhere (reminders and 督办 for 西村 kept going to them). The import now
 * names the roles the table's people hold that it does not list, and `--replace` takes them back;
 * someone in two villages (two rows) keeps both, and people the table does not name are untouched.
 */
describe('units people import after a row is fixed', () => {
  const w = {} as PeopleWorld;
  const dir = mkdtempSync(join(tmpdir(), 'archive-people-fixed-'));
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  const env = () => ({
    LARK_APP_ID: w.fake.appId,
    LARK_APP_SECRET: w.fake.appSecret,
    LARK_DOMAIN: w.fake.baseUrl,
  });
  const importFile = (text: string, ...flags: string[]) => {
    writeFileSync(join(dir, '人员.csv'), text);
    return cliInProcess(['units', 'people', 'import', join(dir, '人员.csv'), ...flags], env(), w.tdb);
  };
  const header = '姓名,手机号,单位编码,角色\n';

  usePeopleWorld(w, clock, dir);

  it('names the roles a fixed row left behind, and takes them back with --replace', async () => {
    const first = await importFile(
      `${header}张三,13800138001,V2,村干部\n李四,13800138002,V1,村干部\n李四,13800138002,V3,村干部\n王五,13900000009,T1,档案员\n`,
    );
    expect(first.code).toBe(0);
    // 张三's row fixed to 东村; 王五 is in another table (the township's).
    const fixed = `${header}张三,13800138001,V1,村干部\n李四,13800138002,V1,村干部\n李四,13800138002,V3,村干部\n`;
    const again = await importFile(fixed);
    expect(again.stderr).toBe('');
    expect(again.stdout.split('\n')).toEqual([
      '读取 人员.csv（CSV，UTF-8 编码）',
      '人员导入完成：2 人，新增角色 1，已有 2，其中 3 行按手机号/邮箱在飞书找到',
      '表里的人另有表里没写的角色 1 个，仍然保留（表写的是每人的全部角色时，加 --replace 再导入一次即收回）：',
      `  张三（${LARK.zhang}）  V2 测试县/甲镇/西村  村干部`,
      '',
    ]);
    const replaced = await importFile(fixed, '--replace');
    expect(replaced.code).toBe(0);
    expect(replaced.stdout.split('\n').slice(1)).toEqual([
      '人员导入完成：2 人，新增角色 0，已有 3，其中 3 行按手机号/邮箱在飞书找到',
      '收回表里没有的角色 1 个：',
      `  张三（${LARK.zhang}）  V2 测试县/甲镇/西村  村干部`,
      '',
    ]);
    expect((await rolesOf(w.tdb.db)).map((r) => `${r.name} ${r.code} ${r.role}`)).toEqual([
      '李四 V1 officer',
      '李四 V3 officer',
      '王五 T1 archivist',
      '张三 V1 officer',
    ]);
    const audit = await queryRows<{ n: number }>(
      w.tdb.db,
      sql`select count(*)::int as n from audit_log where action = 'revoke_role' and unit_id = (select id from units where code = 'V2')`,
    );
    expect(Number(audit[0]!.n)).toBe(1);
    // Nothing more to take back: the same command again changes nothing.
    const twice = await importFile(fixed, '--replace');
    expect(twice.stdout.split('\n').slice(1)).toEqual([
      '人员导入完成：2 人，新增角色 0，已有 3，其中 3 行按手机号/邮箱在飞书找到',
      '',
    ]);
  });
});

/**
 * `units people remove` took any `ou_`-looking text as an open_id (a copied id with a capital or a
 * character lost, and one with a trailing comma was even looked up as a name: 「找不到叫「ou_…，」的人
 * （也可以用 open_id）」). It now checks the open_id as the people import does, with the same words; a
 * person an older import stored under a malformed id can still be removed by it.
 */
describe('units people remove checks an open_id as the import does', () => {
  const w = {} as PeopleWorld;
  const dir = mkdtempSync(join(tmpdir(), 'archive-people-remove-'));
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  const cli = (...args: string[]) => cliInProcess(['units', ...args], {}, w.tdb);
  const problem = (openId: string) =>
    `open_id "${openId}" 不对，飞书的 open_id 是 ou_ 加三十来位数字和小写字母（请从飞书复制完整）`;

  usePeopleWorld(w, clock, dir);

  it('refuses a malformed open_id in the import’s words and changes nothing', async () => {
    const file = join(dir, 'people.csv');
    writeFileSync(file, `open_id,姓名,单位编码,角色\n${LARK.zhang},张三,V1,村干部\nou_typo,李四,V1,村干部\n`);
    const imported = await cli('people', 'import', file);
    expect(imported.code).toBe(1);
    expect(imported.stderr).toContain(`第 3 行: ${problem('ou_typo')}，或不填 open_id 改填手机号`);
    writeFileSync(file, `open_id,姓名,单位编码,角色\n${LARK.zhang},张三,V1,村干部\n`);
    expect((await cli('people', 'import', file)).code).toBe(0);
    const before = await rolesOf(w.tdb.db);

    for (const typed of ['ou_typo', LARK.zhang.toUpperCase().replace('OU_', 'ou_'), `${LARK.zhang}，`]) {
      const res = await cli('people', 'remove', typed);
      expect(res.code, typed).toBe(1);
      expect(res.stderr, typed).toBe(`${problem(typed)}，也可以用姓名；没有做任何改动\n`);
    }
    expect(await rolesOf(w.tdb.db)).toEqual(before);

    // Stored under a malformed id by an older import: removed by that id.
    const at = clock.now();
    await w.tdb.db.execute(
      sql`insert into people (open_id, name, updated_at) values ('ou_old_import', '王旧', ${at})`,
    );
    await w.tdb.db.execute(
      sql`insert into unit_roles (unit_id, open_id, role, created_at)
          select id, 'ou_old_import', 'officer', ${at} from units where code = 'V1'`,
    );
    const old = await cli('people', 'remove', 'ou_old_import');
    expect(old.stdout).toBe('已移除 王旧（ou_old_import）：收回角色 1 个，结束网页登录 0 个\n');
    expect(old.code).toBe(0);
    const removed = await cli('people', 'remove', LARK.zhang);
    expect(removed.stdout).toBe(`已移除 张三（${LARK.zhang}）：收回角色 1 个，结束网页登录 0 个\n`);
  });
});
