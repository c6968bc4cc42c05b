import { basename } from 'node:path';
import type { Env } from '../config.js';
import type { Db } from '../db/client.js';
import { chatTypeOf } from '../db/repos/chats.js';
import { getUnitByCode, listUnits, updateUnitSettings, type UnitRow } from '../db/repos/units.js';
import { localDay, type WorkingCalendar } from '../domain/working-days.js';
import { cliWorkingCalendar } from './cli-calendar.js';
import { endOfDay, resolveDueAt } from '../domain/checklist-due.js';
import { getChecklist } from '../db/repos/tasks-checklists.js';
import { setupGaps, type TasksHint } from '../db/repos/setup-gaps.js';
import { parseUnitSettings } from '../domain/unit-settings.js';
import { clearUnitFonds, listUnitFonds, setUnitFonds, unitHoldingFonds } from '../db/repos/fonds.js';
import { parseFondsArgs, type Fonds } from '../domain/fonds.js';
import { AppError, DomainError, errorMessage } from '../errors.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { decodeTextFile } from '../domain/decode-text-file.js';
import type { UserLookup } from '../ports/user-lookup.js';
import { importPeople } from '../usecases/import-people.js';
import { ROLE_LABEL } from '../domain/units-people.js';
import { removePerson } from '../usecases/remove-person.js';
import { importHouseholds, importUnits } from '../usecases/import-units.js';
import { checkRetireDay, restoreUnit, retireUnit } from '../usecases/retire-unit.js';
import { loadCliSettings } from '../settings.js';
import type { CliCommand } from './commands.js';
import { readFileCapped, readTableFile } from './read-table-file.js';

/** What the org/campaign commands need (a subset of the dispatcher's CliContext, plus a clock). */
export interface OrgCliDeps {
  db: Db;
  /** One line of output (stdout in the real CLI). */
  out(line: string): void;
  clock?: Clock;
  /** The environment (TZ for due dates; LARK_* for finding people by mobile or email). */
  env?: Env;
  /** Finds open_ids by mobile/email; default: Lark, configured from `env`. */
  users?: UserLookup;
}

export const UNITS_USAGE = `用法:
  units import FILE [--sample]      导入单位树（CSV: code,name,kind,parent_code；或 YAML，可嵌套）
                                    示例表 config/units.example.csv 要先复制改成本县的；--sample 才导入示例（测试库）
  units people import FILE [--replace]
                                    导入人员和角色（.xlsx 或 CSV，UTF-8 或 GBK 均可）
                                    列: open_id 或 手机号/mobile 或 邮箱/email, 姓名/name, 单位编码/unit_code, 角色/role
                                    表里的人另有表里没写的角色时会列出；加 --replace 则收回这些角色
  units people remove OPEN_ID|姓名   移除此人（收回全部角色，并立即结束其网页登录）
  units households import FILE      导入农户（CSV: village_code,code,head_name[,group_name]）
  units list                        列出单位树（含单位设置；已撤并的单位标明撤并日期和并入的单位）
  units retire CODE [--into CODE] [--date YYYY-MM-DD]
                                    撤并单位（如撤并村）：档案、档号都保留，不再提醒、不进周报和进度；
                                    --into 并入的同级单位（本村的群改绑到它），--date 撤并日期（默认今天）
  units restore CODE                恢复撤并的单位（撤并时免交的任务重新打开；群不会自动绑回）
  units check                       检查设置是否齐全：哪些村没绑定工作群、没有村干部、没有档案员、没有今年的任务清单；哪些乡镇和县没有领导；哪些群没绑定单位
                                    （还缺设置时退出码为 1，齐全为 0；没绑定单位的群只列出，不算缺）
  units set CODE key=value …        单位设置：reminders=on|off，digest=on|off，digestChat=oc_xxx|off
  units fonds CODE code=A183 name=全宗名称 [transferringUnit=移交单位]
                                    该单位为立档单位、有自己的全宗（下级单位沿用，除非另设）
  units fonds CODE off              取消该单位的全宗（改为沿用上级的）
  units fonds                       列出各单位的全宗`;

/** The command lines `runUnitsCommand` runs (any other gets the usage before the database is opened). */
const unitsWellFormed = ([sub, ...rest]: readonly string[], env: Env = {}): boolean =>
  (sub === 'import' && unitsImportFile(rest) !== undefined) ||
  (sub === 'people' && rest[0] === 'import' && peopleImportFile(rest.slice(1)) !== undefined) ||
  (sub === 'people' && rest[0] === 'remove' && rest.length === 2) ||
  (sub === 'households' && rest[0] === 'import' && rest[1] !== undefined) ||
  sub === 'list' ||
  (sub === 'check' && rest.length === 0) ||
  (sub === 'set' && rest[0] !== undefined && unitSettingsOf(rest.slice(1)) !== undefined) ||
  (sub === 'retire' && retireLine(rest, env)) ||
  (sub === 'restore' && rest.length === 1) ||
  (sub === 'fonds' && fondsLineOf(rest) !== undefined);

/**
 * The key=value words of `units set CODE …`, read before the database is opened (a mistyped key was
 * said only after opening, and migrating, it): a usage error naming the word.
 */
function unitSettingsOf(args: readonly string[]) {
  try {
    return parseUnitSettings(args);
  } catch (err) {
    throw new AppError('usage', `${errorMessage(err)}\n\n${UNITS_USAGE}`);
  }
}

/** `units fonds [CODE (off | code=… name=…)]`, read before the database is opened: what to do. */
function fondsLineOf(rest: readonly string[]): 'list' | 'off' | Fonds {
  if (rest.length === 0) return 'list';
  if (rest.length === 2 && /^(off|none|无)$/i.test(rest[1]!)) return 'off';
  try {
    return parseFondsArgs(rest.slice(1));
  } catch (err) {
    throw new AppError('usage', `${errorMessage(err)}\n\n${UNITS_USAGE}`);
  }
}

/** `units retire CODE [--into CODE] [--date DAY]` with a --date that is a day (before the database is opened). */
function retireLine(args: readonly string[], env: Env): boolean {
  const retire = retireArgs(args);
  if (retire?.day !== undefined) checkRetireDay(retire.day, loadCliSettings(env).timeZone);
  return retire !== undefined;
}

/** `units retire CODE [--into CODE] [--date DAY]` (undefined: not so). */
function retireArgs(args: readonly string[]): { code: string; into?: string; day?: string } | undefined {
  let code: string | undefined;
  let into: string | undefined;
  let day: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--into' || a === '--date') {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) return undefined;
      if (a === '--into') into = v;
      else day = v;
    } else if (a.startsWith('--into=')) into = a.slice(7);
    else if (a.startsWith('--date=')) day = a.slice(7);
    else if (a.startsWith('--') || code !== undefined) return undefined;
    else code = a;
  }
  return code === undefined ? undefined : { code, into, day };
}

/** The file of `units import FILE [--sample]` (undefined: not one file). */
const unitsImportFile = (args: readonly string[]): string | undefined => {
  const files = args.filter((a) => a !== '--sample');
  return files.length === 1 && args.length - files.length <= 1 && !files[0]!.startsWith('--')
    ? files[0]
    : undefined;
};

/** The file of `units people import FILE [--replace]` (undefined: not one file). */
const peopleImportFile = (args: readonly string[]): string | undefined => {
  const files = args.filter((a) => a !== '--replace');
  return files.length === 1 && args.length - files.length <= 1 ? files[0] : undefined;
};

/**
 * `npm run cli -- units …`. Problems in the files throw DomainError (their message names the file
 * and line); a wrong command line throws AppError('usage').
 */
export async function runUnitsCommand(args: string[], deps: OrgCliDeps): Promise<void | number> {
  const [sub, ...rest] = args;
  const ctx = { db: deps.db, clock: deps.clock ?? systemClock };
  const unitsFile = sub === 'import' ? unitsImportFile(rest) : undefined;
  if (unitsFile) {
    const r = await importUnits(ctx, await file(unitsFile), { allowSample: rest.includes('--sample') });
    deps.out(`单位导入完成：新增 ${r.created}，更新 ${r.updated}，未变 ${r.unchanged}`);
    if (r.notInFile.length > 0) {
      deps.out(
        `库里另有 ${r.notInFile.length} 个单位这个文件里没有，仍然保留（导入不删除单位，已有材料和档号都还在它们名下）：`,
      );
      for (const u of r.notInFile.slice(0, 20)) deps.out(`  ${u.code}  ${u.fullName}`);
      if (r.notInFile.length > 20) deps.out(`  ……共 ${r.notInFile.length} 个，units list 可看全部`);
    }
    return;
  }
  const peopleFile = sub === 'people' && rest[0] === 'import' ? peopleImportFile(rest.slice(1)) : undefined;
  if (peopleFile) {
    const replace = rest.includes('--replace');
    const table = await readTableFile(peopleFile);
    deps.out(`读取 ${table.fileName}（${table.source}）`);
    // The Lark SDK is loaded only when people are imported (not for every `units` command).
    const users = deps.users ?? (await import('./cli-user-lookup.js')).cliUserLookup(deps.env ?? {});
    const r = await importPeople({ ...ctx, users, replace }, table);
    const found = r.resolved > 0 ? `，其中 ${r.resolved} 行按手机号/邮箱在飞书找到` : '';
    deps.out(`人员导入完成：${r.people} 人，新增角色 ${r.rolesAdded}，已有 ${r.rolesExisting}${found}`);
    if (r.unlisted.length > 0) {
      deps.out(
        replace
          ? `收回表里没有的角色 ${r.unlisted.length} 个：`
          : `表里的人另有表里没写的角色 ${r.unlisted.length} 个，仍然保留（表写的是每人的全部角色时，加 --replace 再导入一次即收回）：`,
      );
      for (const u of r.unlisted)
        deps.out(`  ${u.name}（${u.openId}）  ${u.unitCode} ${u.unitName}  ${ROLE_LABEL[u.role]}`);
    }
    return;
  }
  if (sub === 'people' && rest[0] === 'remove' && rest[1] && rest.length === 2) {
    const r = await removePerson(ctx, rest[1]);
    deps.out(
      `已移除 ${r.name ?? r.openId}（${r.openId}）：收回角色 ${r.rolesRemoved} 个，结束网页登录 ${r.sessionsEnded} 个`,
    );
    return;
  }
  if (sub === 'households' && rest[0] === 'import' && rest[1]) {
    const r = await importHouseholds(ctx, await file(rest[1]));
    deps.out(`农户导入完成：新增 ${r.created}，更新 ${r.updated}，未变 ${r.unchanged}`);
    return;
  }
  if (sub === 'list') {
    const fonds = await listUnitFonds(deps.db);
    const all = await listUnits(deps.db);
    const byId = new Map(all.map((u) => [u.id, u]));
    const timeZone = loadCliSettings(deps.env ?? {}).timeZone;
    for (const u of inCodeOrder(all)) {
      const depth = u.path.split('/').filter(Boolean).length - 1;
      const settings = Object.keys(u.settings).length > 0 ? `  ${JSON.stringify(u.settings)}` : '';
      const own = fonds.get(u.code);
      const f = own ? `  全宗 ${own.code}` : '';
      deps.out(
        `${'  '.repeat(depth)}${u.code}  ${u.name}  (${u.kind})${retiredNote(u, byId, timeZone)}${f}${settings}`,
      );
    }
    return;
  }
  if (sub === 'check') return checkCommand(deps);
  if (sub === 'set' && rest[0]) {
    const unit = await getUnitByCode(deps.db, rest[0]);
    if (!unit) throw new AppError('usage', `找不到单位 ${rest[0]}`);
    const patch = unitSettingsOf(rest.slice(1));
    // A mistyped chat id, or a chat the bot was never added to: every weekly digest would be refused.
    const chat = patch.set.digestChat;
    if (typeof chat === 'string' && (await chatTypeOf(deps.db, chat)) === undefined)
      throw new DomainError(
        'chat_not_found',
        `机器人不在群 ${chat} 里（没有记录），周报发不进去：先把机器人加进领导群，再用 npm run cli -- chats list 查群的 ID`,
      );
    await updateUnitSettings(deps.db, unit.id, patch.set, ctx.clock.now(), patch.remove);
    const after = (await getUnitByCode(deps.db, unit.code))!;
    deps.out(`${unit.name}（${unit.code}）的设置：${JSON.stringify(after.settings)}`);
    return;
  }
  if (sub === 'fonds') return fondsCommand(rest, deps, ctx.clock);
  const retire = sub === 'retire' ? retireArgs(rest) : undefined;
  if (retire) {
    const timeZone = loadCliSettings(deps.env ?? {}).timeZone;
    const r = await retireUnit(
      { ...ctx, timeZone },
      { code: retire.code, intoCode: retire.into, day: retire.day },
    );
    deps.out(
      `${r.unit.name}（${r.unit.code}）已${r.into ? `并入 ${r.into.name}（${r.into.code}）` : '撤销'}，撤并日期 ${r.day}：` +
        `不再提醒，不进周报、进度和 units check；已交的材料、档号和全宗都保留`,
    );
    deps.out(`  未交齐的任务 ${r.tasksWaived} 个已设为免交（原因：单位已撤并；units restore 可恢复）`);
    if (r.chats.length > 0)
      deps.out(
        r.into
          ? `  它的群 ${r.chats.length} 个已改绑到 ${r.into.name}，机器人会在群里说明：${r.chats.join('、')}`
          : `  它的群 ${r.chats.length} 个已解除绑定，机器人会在群里说明（需要时用 chats bind 绑到接手的单位）：${r.chats.join('、')}`,
      );
    return;
  }
  if (sub === 'restore' && rest.length === 1) {
    const timeZone = loadCliSettings(deps.env ?? {}).timeZone;
    const r = await restoreUnit({ ...ctx, timeZone }, { code: rest[0]! });
    deps.out(`${r.unit.name}（${r.unit.code}）已恢复：撤并时免交的任务 ${r.tasksReopened} 个重新打开`);
    deps.out(
      r.wasInto
        ? `  它原来的群仍绑定在 ${r.wasInto.name}；要绑回用 npm run cli -- chats bind 群ID ${r.unit.code}`
        : `  它原来的群没有自动绑回；要绑回用 npm run cli -- chats bind 群ID ${r.unit.code}`,
    );
    return;
  }
  throw new AppError('usage', UNITS_USAGE);
}

/** 「  已撤并 2026-12-01 → 西村（530521100202）」 for a retired unit, '' for an active one. */
function retiredNote(u: UnitRow, byId: Map<number, UnitRow>, timeZone: string): string {
  if (u.status !== 'retired') return '';
  const day = u.retiredAt ? ` ${localDay(u.retiredAt, timeZone)}` : '';
  const into = u.mergedIntoId === null ? undefined : byId.get(u.mergedIntoId);
  return into ? `  已撤并${day} → ${into.name}（${into.code}）` : `  已撤销${day}`;
}

/**
 * The tree parents first, each unit's children in code order (T2 before T10). The stored path is of
 * row ids, which as text put the 10th township before the 2nd.
 */
function inCodeOrder<U extends { id: number; code: string; path: string }>(list: U[]): U[] {
  const codeOf = new Map(list.map((u) => [String(u.id), u.code]));
  const keyOf = (u: U) =>
    u.path
      .split('/')
      .filter(Boolean)
      .map((id) => codeOf.get(id) ?? id);
  const byCode = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  const keyed = list.map((u) => ({ u, key: keyOf(u) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) {
      const c = byCode(a.key[i]!, b.key[i]!);
      if (c !== 0) return c;
    }
    return a.key.length - b.key.length;
  });
  return keyed.map((k) => k.u);
}

/**
 * `units check`: what the first setup still lacks, one line per village missing something and per
 * township or county with no 领导. Resolves to the exit code: 1 while anything is missing (no village
 * yet, a village without its chat, 村干部, 档案员 or this year's 任务清单, a township or the county
 * without 领导), so a script or `units check && echo ok` is not told all is well; 0 when that is
 * complete. Chats nobody bound and retired units are notes, not gaps (exit 0): the bot may rightly be
 * in a chat that is no village's (a test chat; a leaders' chat set as digestChat is not listed at all),
 * and a village whose chat is not bound is already a gap of its own.
 */
async function checkCommand(deps: OrgCliDeps): Promise<number> {
  const cli = loadCliSettings(deps.env ?? {});
  const timeZone = cli.timeZone;
  // As campaigns create counts working days (a year holidays.yaml lacks is guessed there and here alike).
  const calendar = cliWorkingCalendar(cli, () => {});
  const year = Number(localDay((deps.clock ?? systemClock).now(), timeZone).slice(0, 4));
  const setup = await setupGaps(deps.db, year);
  const { villages, gaps, leaderUnits, noLeader, unboundChats, retired, tasksHint } = setup;
  if (villages === 0) deps.out('还没有村：先用 units import 导入单位树');
  else if (gaps.length === 0)
    deps.out(
      `村 ${villages} 个：都已绑定工作群，都有村干部、档案员和 ${year} 年的任务清单` +
        (leaderUnits > 0 && noLeader.length === 0 ? `；乡镇和县 ${leaderUnits} 个：都有领导` : ''),
    );
  else {
    // A new year before the county gives its 任务清单 (January): every village lacks it. One line says
    // so instead of listing every village for it, so the villages that lack something else stand out.
    const noneHasTasks = gaps.length === villages && gaps.every((g) => g.noTasks);
    const listed = noneHasTasks ? gaps.filter((g) => g.noChat || g.noOfficer || g.noArchivist) : gaps;
    deps.out(
      noneHasTasks
        ? `村 ${villages} 个：都还没有 ${year} 年的任务清单` +
            (listed.length > 0 ? `；其中 ${listed.length} 个还缺其他设置：` : '')
        : `村 ${villages} 个，其中 ${gaps.length} 个还缺设置：`,
    );
    for (const g of listed) {
      const missing = [
        ...(g.noChat ? [g.pausedChat ? '工作群（机器人已被移出群）' : '工作群'] : []),
        ...(g.noOfficer ? ['村干部'] : []),
        ...(g.noArchivist ? ['档案员'] : []),
        ...(g.noTasks && !noneHasTasks ? ['任务清单'] : []),
      ];
      deps.out(`  ${g.code}  ${g.fullName}  缺：${missing.join('、')}`);
    }
  }
  if (villages > 0 && noLeader.length > 0) {
    deps.out(`乡镇和县 ${leaderUnits} 个，其中 ${noLeader.length} 个没有领导：`);
    for (const u of noLeader)
      deps.out(
        `  ${u.code}  ${u.fullName}  缺：领导` +
          (u.leadersChat
            ? '（周报发到领导群，但逾期未交齐的私信只发给领导，没人收到）'
            : '（进度周报和逾期未交齐私信都没人收到）'),
      );
  }
  if (unboundChats.length > 0) {
    deps.out(`机器人在这些群里、群还没绑定单位（${unboundChats.length} 个）：`);
    for (const c of unboundChats) deps.out(`  ${c.chatId}  ${c.name ?? '（群名未知）'}`);
  }
  if (retired > 0) deps.out(`已撤并的单位 ${retired} 个，不再检查（units list 可看）`);
  if (
    gaps.some((g) => g.noChat || g.noOfficer || g.noArchivist) ||
    (villages > 0 && noLeader.length > 0) ||
    unboundChats.length > 0
  )
    deps.out(
      '补法：工作群在群里 @归档助手 发送「绑定 村名」，或 npm run cli -- chats list --csv > 群.csv 填上单位编码再 chats bind 群.csv；' +
        '村干部、档案员、领导写进人员表再 units people import（已有的不会重复）',
    );
  const taskless = gaps.filter((g) => g.noTasks);
  const now = (deps.clock ?? systemClock).now();
  if (taskless.length > 0)
    deps.out(
      tasksFixText(
        year,
        taskless,
        await withPastDue(deps.db, tasksHint, year, now, timeZone, calendar),
        timeZone,
      ),
    );
  if (setup.householdsNoTasks.length > 0)
    deps.out(
      householdTasksText(
        year,
        setup.householdsNoTasks,
        await withPastDue(deps.db, setup.householdHint, year, now, timeZone, calendar),
        timeZone,
      ),
    );
  return villages === 0 || gaps.length > 0 || noLeader.length > 0 ? 1 : 0;
}

/**
 * How villages without this year's 任务清单 get it: `campaigns create` for the year's village campaign
 * (run again it adds only the missing tasks), or, with none yet, a loaded village checklist (or
 * load-checklists first). Until then their officers' materials are kept but wait, fileable nowhere.
 */
function tasksFixText(
  year: number,
  taskless: readonly { code: string }[],
  hint: HintDue,
  timeZone: string,
): string {
  const create = createCommandOf(year, taskless, hint, 'village-jzfp', timeZone);
  return (
    `补任务清单（缺的村交来的材料先保存着，有了任务才能归档）：${hint.checklist ? '' : 'npm run cli -- campaigns load-checklists，再 '}${create}` +
    `（已有的任务不会重复${hint.deadline ? '' : '；截止日按县里的安排改'}${pastDueNote(hint, timeZone)}）`
  );
}

/** A hint and the checklist items whose due time has passed already (campaigns create refuses those tasks). */
type HintDue = TasksHint & { pastDue: { count: number; first: Date } | undefined };

/**
 * Which of the hinted checklist's items would be due already if their tasks were made now: after 30 June
 * an item due 6月30日 of this year (a fixed date), or one counted back from a deadline that has passed.
 * `campaigns create` refuses them unless --allow-past-due, so the command shown must say so.
 */
async function withPastDue(
  db: Db,
  hint: TasksHint,
  year: number,
  now: Date,
  timeZone: string,
  calendar: WorkingCalendar,
): Promise<HintDue> {
  const checklist = hint.checklist ? await getChecklist(db, hint.checklist) : undefined;
  const deadline = hint.deadline ?? endOfDay(`${year}-12-31`, timeZone);
  const due = (checklist?.content.items ?? [])
    .map((item) => resolveDueAt(item.due, { year, deadline }, { timeZone, calendar }))
    .filter((at) => at.getTime() <= now.getTime())
    .sort((a, b) => a.getTime() - b.getTime());
  return { ...hint, pastDue: due.length > 0 ? { count: due.length, first: due[0]! } : undefined };
}

/** The `campaigns create` that gives `villages` the tasks of `hint`'s campaign or checklist (or `fallback`). */
function createCommandOf(
  year: number,
  villages: readonly { code: string }[],
  hint: HintDue,
  fallback: string,
  timeZone: string,
): string {
  const units = hint.county ? `--parent ${hint.county}` : `--units ${villages.map((g) => g.code).join(',')}`;
  return (
    `npm run cli -- campaigns create --checklist ${hint.checklist ?? fallback} --year ${year} ` +
    `--deadline ${hint.deadline ? localDay(hint.deadline, timeZone) : `${year}-12-31`} ${units}` +
    (hint.code && hint.code !== `${hint.checklist}-${year}` ? ` --code ${hint.code}` : '') +
    (hint.pastDue ? ' --allow-past-due' : '')
  );
}

/**
 * Why the command carries --allow-past-due: the items already due, and that their tasks start overdue
 * (escalated to the leaders from the next working day), or the checklist copied with later dates instead.
 */
const pastDueNote = (hint: HintDue, timeZone: string): string =>
  hint.pastDue
    ? `；清单里有 ${hint.pastDue.count} 项的截止日（最早 ${localDay(hint.pastDue.first, timeZone)}）今年已过，` +
      '所以命令带 --allow-past-due：这些任务一建好就算逾期，下一个工作日起按逾期向领导催办；' +
      '不想这样，去掉它，复制清单改 due 再 campaigns load-checklists'
    : '';

/**
 * Villages with households but no household task this year: a note (exit code unchanged, a county may
 * not keep 一户一档), with the `campaigns create` that gives them (run it again after each households import).
 */
function householdTasksText(
  year: number,
  villages: readonly { code: string; fullName: string }[],
  hint: HintDue,
  timeZone: string,
): string {
  const named = villages
    .slice(0, 3)
    .map((v) => v.fullName.split('/').pop())
    .join('、');
  return (
    `有农户、还没有 ${year} 年农户任务（一户一档）的村 ${villages.length} 个（${named}${villages.length > 3 ? '等' : ''}）：` +
    `${createCommandOf(year, villages, hint, 'household-jzfp', timeZone)}（导入农户后再运行一次，已有的任务不会重复；不做一户一档的可以不管${pastDueNote(hint, timeZone)}）`
  );
}

/** `units fonds [CODE code=… name=… | CODE off]`: a 立档单位's fonds, inherited by its subtree. */
async function fondsCommand(rest: string[], deps: OrgCliDeps, clock: Clock): Promise<void> {
  const line = fondsLineOf(rest);
  if (line === 'list') {
    const set = [...(await listUnitFonds(deps.db)).values()];
    if (set.length === 0) deps.out('没有单位设了自己的全宗（都用 archive.yaml 的默认全宗）');
    for (const f of set)
      deps.out(
        `${f.unitCode}  全宗号 ${f.code}  ${f.name}${f.transferringUnit ? `  移交单位：${f.transferringUnit}` : ''}`,
      );
    return;
  }
  const unit = await getUnitByCode(deps.db, rest[0]!);
  if (!unit) throw new AppError('usage', `找不到单位 ${rest[0]}`);
  if (line === 'off') {
    const had = await clearUnitFonds(deps.db, unit.id);
    deps.out(
      had
        ? `${unit.name}（${unit.code}）不再有自己的全宗，沿用上级的`
        : `${unit.name}（${unit.code}）本来就没有自己的全宗`,
    );
    return;
  }
  const f = line;
  const holder = await unitHoldingFonds(deps.db, f.code);
  if (holder && holder !== unit.code)
    throw new AppError('usage', `全宗号 ${f.code} 已属于单位 ${holder}，一个全宗号只能给一个立档单位`);
  await setUnitFonds(deps.db, unit.id, f, clock.now());
  deps.out(
    `${unit.name}（${unit.code}）的全宗：${f.code} ${f.name}，移交单位：${f.transferringUnit || f.name}` +
      '（以后确认归档的件用此全宗号编档号；已有档号不变）',
  );
}

/** For the dispatcher's COMMANDS table: `units`. */
export const unitsCommand: CliCommand = {
  usage: UNITS_USAGE,
  subcommands: ['import', 'people', 'households', 'list', 'check', 'set', 'fonds', 'retire', 'restore'],
  wellFormed: unitsWellFormed,
  readsOnly: ([sub, ...rest]) => sub === 'list' || sub === 'check' || (sub === 'fonds' && rest.length === 0),
  summary: '单位、人员和农户：import、people、households、list、check、set、fonds、retire、restore',
  run: (args, ctx) => runUnitsCommand(args, ctx),
};

/** A unit or household file as text: UTF-8 (with or without BOM) or GBK, size-capped. */
async function file(path: string) {
  const fileName = basename(path);
  return { text: decodeTextFile(await readFileCapped(path), fileName).text, fileName };
}
