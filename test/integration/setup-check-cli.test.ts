import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordChatJoined, recordChatLeft } from '../../src/db/repos/chats.js';
import { pauseChatBinding } from '../../src/usecases/bind-chat.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { openIdOf } from '../support/open-ids.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { ORG_CSV, PEOPLE_CSV, SMALL_CHECKLIST } from './campaign-fixtures.js';
import { mkdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * README's first setup ends with `npm run cli -- units check`: with ~200 villages the county's IT
 * person had no way to see which villages still had no work chat bound, no 村干部 or no 档案员, nor
 * which chats the bot was in that nobody had bound (`units check` was an unknown subcommand). Nor
 * did it name a township or the county with no 领导, whose weekly digest and 逾期未交齐 direct messages then reached nobody.
 */
describe('npm run cli -- units check', () => {
  let tdb: TestDb;
  let dir: string;
  const clock = new ManualClock('2026-03-01T09:00:00+08:00');
  const cli = (...args: string[]) => cliInProcess(args, {}, tdb);
  // The year whose 任务清单 every village needs: the CLI's own, today's in TZ (Asia/Shanghai by default).
  const year = Number(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric' }).format(new Date()),
  );
  const peopleFix =
    '补法：工作群在群里 @归档助手 发送「绑定 村名」，或 npm run cli -- chats list --csv > 群.csv 填上单位编码再 chats bind 群.csv；村干部、档案员、领导写进人员表再 units people import（已有的不会重复）';
  beforeAll(async () => {
    tdb = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'setup-check-'));
    writeFileSync(join(dir, 'units.csv'), ORG_CSV);
    writeFileSync(join(dir, 'people.csv'), PEOPLE_CSV);
  });
  afterAll(async () => {
    await tdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // It printed what was missing and exited 0, so a script, or the IT person's `units check && echo ok`,
  // was told all was well: exit 1 while anything is missing, 0 once the setup is complete.
  it('says there is nothing to check before the unit tree is imported, exit 1', async () => {
    const res = await cli('units', 'check');
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('还没有村：先用 units import 导入单位树\n');
    expect(res.code).toBe(1);
  });

  it('names each village still missing a chat, a 村干部 or a 档案员, and the chats nobody bound', async () => {
    expect((await cli('units', 'import', join(dir, 'units.csv'))).code).toBe(0);
    expect((await cli('units', 'people', 'import', join(dir, 'people.csv'))).code).toBe(0);
    await recordChatJoined(tdb.db, { chatId: 'oc_east', name: '东村工作群', at: clock.now() });
    await recordChatJoined(tdb.db, { chatId: 'oc_west', name: '西村工作群', at: clock.now() });
    await recordChatJoined(tdb.db, { chatId: 'oc_south', name: '南村群', at: clock.now() });
    expect((await cli('chats', 'bind', 'oc_east', 'V1')).code).toBe(0);
    expect((await cli('chats', 'bind', 'oc_west', 'V2')).code).toBe(0);
    // The bot removed from 西村's chat: its binding waits paused.
    await recordChatLeft(tdb.db, { chatId: 'oc_west', at: clock.now() });
    await pauseChatBinding({ db: tdb.db, clock }, { chatId: 'oc_west' });

    const res = await cli('units', 'check');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(1);
    // No 任务清单 yet: no village can file anything (their officers' materials wait); with no checklist
    // loaded, the line says to load one first. Every village lacks it (as each January), so one line
    // says so and the list names only what else is missing (东村 lacks nothing else).
    expect(res.stdout.split('\n')).toEqual([
      `村 3 个：都还没有 ${year} 年的任务清单；其中 2 个还缺其他设置：`,
      '  V2  测试县/甲镇/西村  缺：工作群（机器人已被移出群）',
      '  V3  测试县/乙乡/南村  缺：工作群、村干部、档案员',
      '乡镇和县 3 个，其中 2 个没有领导：',
      '  T1  测试县/甲镇  缺：领导（进度周报和逾期未交齐私信都没人收到）',
      '  T2  测试县/乙乡  缺：领导（进度周报和逾期未交齐私信都没人收到）',
      '机器人在这些群里、群还没绑定单位（1 个）：',
      '  oc_south  南村群',
      peopleFix,
      '补任务清单（缺的村交来的材料先保存着，有了任务才能归档）：npm run cli -- campaigns load-checklists，再 ' +
        `npm run cli -- campaigns create --checklist village-jzfp --year ${year} --deadline ${year}-12-31 --parent X` +
        '（已有的任务不会重复；截止日按县里的安排改）',
      '',
    ]);
  });

  it('names the villages this year’s 任务清单 left out, with the command that gives them theirs', async () => {
    mkdirSync(join(dir, 'checklists'));
    writeFileSync(join(dir, 'checklists', 'small.yaml'), SMALL_CHECKLIST);
    expect((await cli('campaigns', 'load-checklists', join(dir, 'checklists'))).code).toBe(0);
    // Next year's day: a deadline already past would be refused (its tasks overdue at once).
    const deadline = `${year + 1}-11-30`;
    const created = await cli(
      ...['campaigns', 'create', '--checklist', 'small', '--year', String(year), '--deadline', deadline],
      ...['--units', 'V1', '--code', `small-${year}-a`],
    );
    expect(created.code, created.stderr).toBe(0);
    const res = await cli('units', 'check');
    expect(res.code).toBe(1);
    const lines = res.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '村 3 个，其中 2 个还缺设置：',
      '  V2  测试县/甲镇/西村  缺：工作群（机器人已被移出群）、任务清单',
      '  V3  测试县/乙乡/南村  缺：工作群、村干部、档案员、任务清单',
      '乡镇和县 3 个，其中 2 个没有领导：',
    ]);
    // The year's campaign as it was made (checklist, deadline, its own code): run again over the county
    // it adds only the tasks the villages lack.
    const fix = lines.at(-2)!;
    const command = `npm run cli -- campaigns create --checklist small --year ${year} --deadline ${deadline} --parent X --code small-${year}-a`;
    expect(fix).toBe(
      `补任务清单（缺的村交来的材料先保存着，有了任务才能归档）：${command}（已有的任务不会重复）`,
    );
    const again = await cli(...command.replace('npm run cli -- ', '').split(' '));
    expect(again.stdout).toBe(
      `已存在 small-${year}-a「${year}年 测试清单」：3 个村、0 户，新增任务 4，已有 2\n`,
    );
    const after = await cli('units', 'check');
    expect(after.stdout).not.toContain('任务清单');
    expect(after.stdout.split('\n').slice(0, 3)).toEqual([
      '村 3 个，其中 2 个还缺设置：',
      '  V2  测试县/甲镇/西村  缺：工作群（机器人已被移出群）',
      '  V3  测试县/乙乡/南村  缺：工作群、村干部、档案员',
    ]);
  });

  it('says setup is complete once every village has its chat and people and every township its 领导', async () => {
    await recordChatJoined(tdb.db, { chatId: 'oc_west', name: '西村工作群', at: clock.now() });
    expect((await cli('chats', 'bind', 'oc_west', 'V2')).stdout).toBe(
      'oc_west：本群已恢复绑定 测试县/甲镇/西村\n',
    );
    expect((await cli('chats', 'bind', 'oc_south', 'V3')).code).toBe(0);
    writeFileSync(
      join(dir, 'more.csv'),
      `open_id,name,unit_code,role\n${openIdOf('south1')},周村干,V3,村干部\n${openIdOf('south2')},吴档案,T2,档案员\n${openIdOf('t1')},甲镇长,T1,领导\n`,
    );
    expect((await cli('units', 'people', 'import', join(dir, 'more.csv'))).code).toBe(0);
    // Every village complete, one township still without a leader: named, and no 「都有领导」; exit 1.
    const noLeader = await cli('units', 'check');
    expect(noLeader.code).toBe(1);
    expect(noLeader.stdout.split('\n')).toEqual([
      `村 3 个：都已绑定工作群，都有村干部、档案员和 ${year} 年的任务清单`,
      '乡镇和县 3 个，其中 1 个没有领导：',
      '  T2  测试县/乙乡  缺：领导（进度周报和逾期未交齐私信都没人收到）',
      peopleFix,
      '',
    ]);
    // 乙乡's digest goes to its leaders' chat: it reaches the chat, only the 督办 (direct messages to
    // leaders) reach nobody. It said 「收不到进度周报和督办」, which was half false.
    await recordChatJoined(tdb.db, { chatId: 'oc_t2_leaders', name: '乙乡领导群', at: clock.now() });
    expect((await cli('units', 'set', 'T2', 'digestChat=oc_t2_leaders')).code).toBe(0);
    const withChat = await cli('units', 'check');
    expect(withChat.stdout.split('\n')).toContain(
      '  T2  测试县/乙乡  缺：领导（周报发到领导群，但逾期未交齐的私信只发给领导，没人收到）',
    );
    // The leaders' chat is rightly bound to no unit: it was listed under 「群还没绑定单位」 as if forgotten.
    expect(withChat.stdout).not.toContain('oc_t2_leaders');
    expect(withChat.stdout).not.toContain('群还没绑定单位');
    // The bot taken out of the leaders' chat: the digest reaches nobody again.
    await recordChatLeft(tdb.db, { chatId: 'oc_t2_leaders', at: clock.now() });
    expect((await cli('units', 'check')).stdout.split('\n')).toContain(
      '  T2  测试县/乙乡  缺：领导（进度周报和逾期未交齐私信都没人收到）',
    );
    writeFileSync(join(dir, 'lead.csv'), `open_id,name,unit_code,role\n${openIdOf('t2')},乙乡长,T2,领导\n`);
    expect((await cli('units', 'people', 'import', join(dir, 'lead.csv'))).code).toBe(0);
    const res = await cli('units', 'check');
    expect(res.stdout).toBe(
      `村 3 个：都已绑定工作群，都有村干部、档案员和 ${year} 年的任务清单；乡镇和县 3 个：都有领导\n`,
    );
    expect(res.code).toBe(0);
    // A chat nobody bound is listed, but is no gap (the bot may rightly be in a chat that is no
    // village's, such as a test chat): still exit 0.
    await recordChatJoined(tdb.db, { chatId: 'oc_test', name: '测试群', at: clock.now() });
    const note = await cli('units', 'check');
    expect(note.stdout.split('\n').slice(0, 3)).toEqual([
      `村 3 个：都已绑定工作群，都有村干部、档案员和 ${year} 年的任务清单；乡镇和县 3 个：都有领导`,
      '机器人在这些群里、群还没绑定单位（1 个）：',
      '  oc_test  测试群',
    ]);
    expect(note.code).toBe(0);
    await recordChatLeft(tdb.db, { chatId: 'oc_test', at: clock.now() });
  });

  // The households table imported again after one row was fixed said 「更新 N」 for every row, as if all
  // had changed.
  it('counts households imported again unchanged, and only the fixed row as updated', async () => {
    const csv = '村编码,户编号,户主,村民小组\nV1,01,张三,一组\nV1,02,李四,一组\n';
    writeFileSync(join(dir, 'households.csv'), csv);
    const run = async () => (await cli('units', 'households', 'import', join(dir, 'households.csv'))).stdout;
    expect(await run()).toBe('农户导入完成：新增 2，更新 0，未变 0\n');
    expect(await run()).toBe('农户导入完成：新增 0，更新 0，未变 2\n');
    writeFileSync(join(dir, 'households.csv'), csv.replace('李四,一组', '李四,二组'));
    expect(await run()).toBe('农户导入完成：新增 0，更新 1，未变 1\n');
  });

  // 西村 merged into 东村 (撤并村) and its row taken out of the units file: the import said only
  // 「新增 0，更新 0，未变 6」, as if the village were gone, while it stayed with its chat and people.
  it('says which stored units the units file no longer names, and that they are kept', async () => {
    writeFileSync(join(dir, 'merged.csv'), ORG_CSV.replace('V2,西村,village,T1\n', ''));
    const res = await cli('units', 'import', join(dir, 'merged.csv'));
    expect(res.code).toBe(0);
    expect(res.stdout.split('\n')).toEqual([
      '单位导入完成：新增 0，更新 0，未变 6',
      '库里另有 1 个单位这个文件里没有，仍然保留（导入不删除单位，已有材料和档号都还在它们名下）：',
      '  V2  测试县/甲镇/西村',
      '',
    ]);
  });
});

/**
 * `units list` ordered the tree by its stored path of row ids as text, so with ~12 townships the 10th
 * came before the 2nd, and a township added later before the first: a county's 200 villages were hard
 * to read through. Each unit's children now come in code order.
 */
describe('npm run cli -- units list', () => {
  let tdb: TestDb;
  let dir: string;
  beforeAll(async () => {
    tdb = await createTestDb();
    dir = mkdtempSync(join(tmpdir(), 'units-list-'));
  });
  afterAll(async () => {
    await tdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists each unit’s children in code order', async () => {
    // Ten units before 第3镇, so its row id has two digits.
    const rows = [
      'code,name,kind,parent_code',
      'X,测试县,county,',
      'T1,第1镇,township,X',
      'T2,第2镇,township,X',
    ];
    for (let i = 1; i <= 7; i++) rows.push(`T2V${i},二镇${i}村,village,T2`);
    rows.push('T3,第3镇,township,X', 'T1V1,一镇1村,village,T1', 'T10,第10镇,township,X');
    writeFileSync(join(dir, 'units.csv'), `${rows.join('\n')}\n`);
    expect((await cliInProcess(['units', 'import', join(dir, 'units.csv')], {}, tdb)).code).toBe(0);
    const res = await cliInProcess(['units', 'list'], {}, tdb);
    expect(res.stdout.split('\n').map((l) => l.split('  (')[0])).toEqual([
      'X  测试县',
      '  T1  第1镇',
      '    T1V1  一镇1村',
      '  T2  第2镇',
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => `    T2V${i}  二镇${i}村`),
      '  T3  第3镇',
      '  T10  第10镇',
      '',
    ]);
  });
});
