import { BIND, TASK_PICK } from './actions.js';
import type { MissingList, MissingTask } from '../db/repos/completeness-missing.js';
import type { ProgressCounts, UnitProgress } from '../db/repos/completeness-progress.js';
import type { TaskStatus } from '../db/repos/completeness.js';
import { missingText } from '../domain/checklist-task-state.js';
import { allDoneText, NO_TASK_LIST_YET, noOpenTaskChoose } from '../domain/no-tasks-yet.js';
import type { NoOpenTask, WorkLeft } from '../domain/task-list-state.js';
import { byRank, worstFirst } from '../domain/digest.js';
import { plainNames, type UnitNames } from '../domain/pick-unit.js';
import { townshipNoVillageTasks, townshipOwnMaterials } from '../domain/township-chat.js';
import type { VillageWord } from '../domain/village-word.js';
import { retiredChildrenLine, retirementWords } from '../domain/retired-units.js';
import { button, buttonRow, card, esc, linkButton, md, selectMenu, shortDate } from './card-kit.js';

const pct = (c: ProgressCounts) => (c.percent === null ? '—' : `${c.percent}%`);

/**
 * 任务, 缺什么 or 进度 of a unit with no task under it yet (before its first 任务清单). A township's
 * (`township`: what its villages are called) says they have none yet, without telling it to wait for a
 * 任务清单 of its own, which may never come.
 */
export function noTaskListCard(unitName: string, township?: VillageWord): object {
  const each = township ? `各${township}` : '';
  return card(
    `${unitName} · ${each}还没有任务清单`,
    'grey',
    [md(township ? townshipNoVillageTasks(township) : NO_TASK_LIST_YET)],
    { summary: `${unitName}${township ? `的${each}` : ''}还没有任务清单` },
  );
}

/** 任务 or 缺什么 where every task under the unit is 交齐 or 免交: said with the counts. */
export function allDoneCard(unitName: string, w: Extract<WorkLeft, { kind: 'all_done' }>): object {
  return card(`${unitName} · 任务都已完成`, 'green', [md(allDoneText(w))], {
    summary: `${unitName}的任务都已完成`,
  });
}

/** At most this many children on the 进度 card. */
const CHILDREN_LISTED = 40;

/**
 * 进度: the unit's figures and its active children ranked, best first; more than fit (CHILDREN_LISTED):
 * the worst of them, worst first, each with its place in the ranking, and said so — the laggards are
 * the ones to chase — with the unit's page (`pageUrl`, 查看各村情况) for the rest. Its retired children
 * (撤并) named on one line apart, never ranked (their tasks were waived: they would read as finished).
 * A retired unit's own 进度 says so instead of figures. `children`: what the units below are called.
 */
export function progressCard(
  p: UnitProgress,
  timeZone: string,
  now: Date,
  o: { children?: string; pageUrl?: string } = {},
): object {
  if (p.retirement)
    return card(`${p.unit.name} · 进度`, 'grey', [
      md(
        `${esc(p.unit.name)}已于${esc(retirementWords(p.retirement, now, timeZone))}，不再统计进度、不再提醒。已交的材料和档号都还在，可以查阅。`,
      ),
    ]);
  const c = p.counts;
  const lines = [
    `**完成率 ${pct(c)}**（共 ${c.total} 项：齐全 ${c.complete}，部分 ${c.partly}，一件没交 ${c.open}，免交 ${c.waived}）`,
    c.overdue > 0 ? `⚠️ 逾期未齐 **${c.overdue}** 项` : '没有逾期未齐的任务',
  ];
  const elements = [md(lines.join('\n'))];
  const cut = p.children.length > CHILDREN_LISTED;
  if (p.children.length > 0) {
    const rankable = (ch: UnitProgress['children'][number]) => ({ name: ch.unit.name, ...ch.counts });
    const ranked = [...p.children].sort((a, b) => byRank(rankable(a), rankable(b)));
    const place = new Map(ranked.map((ch, i) => [ch, i + 1]));
    const shown = cut
      ? worstFirst(ranked.map((ch) => ({ ...rankable(ch), ch })))
          .slice(0, CHILDREN_LISTED)
          .map((r) => r.ch)
      : ranked;
    const rows = shown.map(
      (ch) =>
        `${place.get(ch)}. ${esc(ch.unit.name)}　${pct(ch.counts)}${ch.counts.overdue ? `（逾期 ${ch.counts.overdue}）` : ''}`,
    );
    const heading = cut
      ? `**下级单位**（共 ${p.children.length} 个，列出完成率最低的 ${CHILDREN_LISTED} 个）`
      : '**下级单位**';
    elements.push(md(`${heading}\n${rows.join('\n')}`));
  }
  if (p.retired.length > 0)
    elements.push(md(`<font color='grey'>${esc(retiredChildrenLine(p.retired, now, timeZone))}</font>`));
  if (cut && o.pageUrl)
    elements.push(buttonRow([linkButton(`查看各${o.children ?? '下级单位'}情况`, o.pageUrl, 'primary')]));
  return card(`${p.unit.name} · 进度`, c.overdue > 0 ? 'orange' : 'green', elements);
}

/** One task of 缺什么 up to its title: 「- 🔴 逾期 3 天　**#C03** 张三户 标题」 (what it lacks follows). */
export const missingRow = (m: MissingTask, timeZone: string): string =>
  `- ${m.overdue ? `🔴 逾期 ${m.daysOverdue} 天` : `截止 ${shortDate(m.dueAt, timeZone)}`}　**#${esc(m.code)}** ${esc(
    m.householdName ? `${m.householdName}户 ` : '',
  )}${esc(m.title)}`;

/** 缺什么 of a village (or a unit with none below): `names`, how units are called (two 东村: 城关镇东村). */
export function missingCard(
  unit: { id: number; name: string },
  list: MissingList,
  timeZone: string,
  names: UnitNames = plainNames,
): object {
  const unitName = names(unit);
  if (list.total === 0) return card(`${unitName} · 还缺什么`, 'green', [md('所有任务的材料都已齐全 👍')]);
  const rows = list.items.map(
    (m) =>
      `${missingRow(m, timeZone)}${m.unitId !== unit.id ? `（${esc(names({ id: m.unitId, name: m.unitName }))}）` : ''}：${esc(m.missingText)}`,
  );
  const more = list.total > list.items.length ? `\n… 还有 ${list.total - list.items.length} 项` : '';
  return card(`${unitName} · 还缺什么（${list.total} 项）`, 'orange', [
    md(rows.join('\n') + more),
    md("<font color='grey'>发材料时在说明里写任务编号（如 #C03）即可直接交到该任务。</font>"),
  ]);
}

/** How many of a unit's open tasks 任务's list shows, and offers in its menu. */
export const TASK_LIST_SHOWN = 30;

/**
 * `below`: more after the list (a township's villages, cards/township-cards.ts). `unitId`: the menu that
 * sends one task's card (TASK_PICK): a phone user taps instead of typing 「@归档助手 任务 C03」, which
 * without the @ was read as ordinary chat and answered by nothing; `listOf`, the command message the list
 * answers, which the menu's value carries (the list is recorded under it before it is sent).
 */
export function taskListCard(
  unitName: string,
  tasks: TaskStatus[],
  timeZone: string,
  below: object[] = [],
  unitId?: number,
  listOf?: string,
): object {
  const open = tasks.filter((t) => t.state !== 'complete');
  if (open.length === 0) return card(`${unitName} · 归档任务`, 'green', [md('没有未完成的任务 👍')]);
  const shown = open.slice(0, TASK_LIST_SHOWN);
  const rows = shown.map(
    (t) =>
      `- **#${esc(t.code)}** ${esc(t.householdName ? `${t.householdName}户 ` : '')}${esc(t.title)}　${t.filed}/${
        t.minCount
      }，截止 ${shortDate(t.dueAt, timeZone)}`,
  );
  const menu =
    unitId === undefined
      ? []
      : [
          selectMenu(
            '选一项，发出它的任务卡片',
            shown.map((t) => ({
              text: `#${t.code} ${t.householdName ? `${t.householdName}户 ` : ''}${t.title}`,
              value: String(t.taskId),
            })),
            TASK_PICK.value({ u: unitId, ...(listOf ? { m: listOf } : {}) }),
          ),
        ];
  return card(`${unitName} · 未完成的归档任务（${open.length} 项）`, 'blue', [
    md(
      rows.join('\n') + (open.length > TASK_LIST_SHOWN ? `\n… 还有 ${open.length - TASK_LIST_SHOWN} 项` : ''),
    ),
    ...menu,
    md(
      unitId === undefined
        ? "<font color='grey'>发送「任务 C03」查看某一项；回复那张任务卡片发送材料，即可交到该任务。</font>"
        : "<font color='grey'>在上面选一项，机器人发出它的任务卡片；回复那张卡片发送材料，即可交到该任务。</font>",
    ),
    ...below,
  ]);
}

export function taskCard(
  t: TaskStatus & { guidance?: string | null },
  unitName: string,
  timeZone: string,
): object {
  return card(`#${t.code} ${t.title}`, t.missing > 0 ? 'blue' : 'green', [
    md(
      [
        `单位：${esc(unitName)}${t.householdName ? `　户主：${esc(t.householdName)}` : ''}`,
        `进度：${t.filed}/${t.minCount}（${missingText(t.kinds, t.missing)}），截止 ${shortDate(t.dueAt, timeZone)}`,
        t.guidance ? `要求：${esc(t.guidance)}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    ),
    md('**回复本卡片**发送照片或文件，即可交到这项任务。'),
  ]);
}

/**
 * A 「任务 C03」 card drawn again once the task was waived (免交): why, and that nothing is owed — no
 * 「回复本卡片…」, since a reply to it no longer files to the task.
 */
export function waivedTaskCard(
  t: { code: string; title: string; householdName: string | null },
  unitName: string,
  reason: string,
): object {
  return card(`#${t.code} ${t.title}`, 'grey', [
    md(
      `单位：${esc(unitName)}${t.householdName ? `　户主：${esc(t.householdName)}` : ''}\n` +
        `这项任务已免交${reason ? `：${esc(reason)}` : ''}。不用再交。`,
    ),
  ]);
}

/** A unit offered for binding: its button says which (full name and code, for same-named villages). */
export interface BindChoice {
  id: number;
  fullName: string;
  code: string;
}

const bindButton = (c: BindChoice) =>
  buttonRow([button(`绑定 ${c.fullName}（${c.code}）`.slice(0, 60), BIND.value({ u: c.id }), 'primary')]);

/**
 * The bot joined a group. `named`: the units the group's name points at (domain/match-unit.ts
 * unitsNamedIn), each offered as one tap; the 绑定 command stays for any other. `leadersChat`: added
 * back to a unit's leaders' chat (「本群是甲镇的领导群」), which is not to be bound: what it gets here.
 */
export function onboardingCard(opts: {
  resumedUnit?: string;
  named?: BindChoice[];
  leadersChat?: string;
}): object {
  const named = opts.resumedUnit || opts.leadersChat ? [] : (opts.named ?? []);
  const body = opts.resumedUnit
    ? `欢迎回来！本群继续为 **${esc(opts.resumedUnit)}** 归档。`
    : opts.leadersChat
      ? `${esc(opts.leadersChat)}，每周的进度周报发到这里。发送「@归档助手 进度」或「@归档助手 缺什么」随时查看。`
      : '我会保存本群发送的照片、文件、录音和视频原件，并帮助大家把材料交到对应的任务里。\n\n' +
        (named.length > 0
          ? '**第一步**：把本群绑定到所属村/单位。看群名像是下面的单位，把我拉进群的本单位工作人员（或管理员）点一下即可绑定；' +
            '都不对就发送「@归档助手 绑定 村名或单位代码」。'
          : '**第一步**：把我拉进群的本单位工作人员（或管理员）请发送「@归档助手 绑定 村名或单位代码」，把本群绑定到所属村/单位。');
  return card('归档助手已加入本群', 'turquoise', [
    md(body),
    ...named.map(bindButton),
    md('发送「@归档助手 帮助」查看全部指令。照片请勾选“原图”发送，以保留拍摄时间和地点。'),
  ]);
}

export function bindChoicesCard(query: string, choices: BindChoice[]): object {
  if (choices.length === 0) {
    return card('没有找到单位', 'orange', [
      md(`没有找到与“${esc(query)}”匹配的单位，请检查名称或使用单位代码。`),
    ]);
  }
  return card('请确认要绑定的单位', 'blue', [
    md(`与“${esc(query)}”匹配的单位：`),
    ...choices.map(bindButton),
  ]);
}

/**
 * The chat is bound. `earlier`: bursts sent before, still to be handed in; the cards of the first
 * `resent` of them were sent again under their messages.
 */
export function boundCard(
  message: string,
  o: { earlier?: number; resent?: number; noTasks?: NoOpenTask } = {},
): object {
  const earlier = o.earlier ?? 0;
  const resent = o.resent ?? 0;
  // A township with no task of its own: its materials are its own archive, no 任务清单 is promised.
  if (o.noTasks?.kind === 'township')
    return card('绑定成功', 'green', [
      md(esc(message)),
      ...(earlier > 0 ? [md(`绑定前发到本群的 **${earlier}** 组材料也已保存好。`)] : []),
      md(
        `${townshipOwnMaterials(o.noTasks.villages)}发送「@归档助手 任务」查看各${o.noTasks.villages}的情况。`,
      ),
    ]);
  const before =
    earlier === 0
      ? []
      : [
          md(
            o.noTasks
              ? `绑定前发到本群的 **${earlier}** 组材料还没交到任务里。${noOpenTaskChoose(o.noTasks)}`
              : resent >= earlier
                ? `绑定前发到本群的 **${earlier}** 组材料还没交到任务里，选择卡片已重新发在原消息下面，点一下即可交。`
                : `绑定前发到本群的 **${earlier}** 组材料还没交到任务里：最早的 ${resent} 组的选择卡片已重新发在原消息下面，其余的发送「@归档助手 未归档」查看。`,
          ),
        ];
  return card('绑定成功', 'green', [
    md(esc(message)),
    ...before,
    md('现在发送到本群的材料都会归入该单位的任务。发送「@归档助手 任务」查看任务。'),
  ]);
}
