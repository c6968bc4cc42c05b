import { UNIT_DETAIL, URGE } from './actions.js';
import { button, buttonRow, card, esc, hr, linkButton, md } from './card-kit.js';
import { personName } from '../domain/person-name.js';

/** One task line of a reminder or an escalation. */
export interface ReminderLine {
  /** The task (a 督办 singles one out by it). */
  taskId?: number;
  code: string;
  title: string;
  householdName: string | null;
  /** 还缺 3 张照片 */
  missingText: string;
  /** 「6月30日」, with the year when it is not this year's. */
  dueLabel: string;
  /** Calendar days past due (0: not yet due). */
  overdueDays: number;
  /** Escalations: which village, whose task, how many working days late. */
  unitId?: number;
  unitName?: string;
  owners?: string[];
  workingDaysLate?: number;
}

export interface ReminderView {
  unitId: number;
  unitName: string;
  lines: ReminderLine[];
  /** Tasks due but not listed (over the item limit). */
  more: number;
  overdue: number;
  dueSoon: number;
  /** open_ids to @mention (the responsible officers). */
  mentions: string[];
  /** The unit's web page (PUBLIC_URL set): 查看全部 opens it (else it sends the unit's detail card). */
  pageUrl?: string;
  /** Bursts of the chat nobody filed for a working day, and how many get their card again. */
  unfiled?: { total: number; cardsAgain: number };
}

/** 「还有 3 组材料没交到任务里」, and where to file them. */
export function unfiledLine(u: { total: number; cardsAgain: number }): string {
  return (
    `📥 还有 ${u.total} 组材料没交到任务里` +
    (u.cardsAgain > 0
      ? `，${u.cardsAgain === u.total ? '' : `其中 ${u.cardsAgain} 组的`}选择卡片已重新发在原消息下面，点一下就能交，不用交的点「不用交」`
      : '') +
    '。@我 发送「未归档」可以查看全部。'
  );
}

export const what = (l: ReminderLine) =>
  `**#${esc(l.code)} ${esc(l.title)}**${l.householdName ? `（${esc(l.householdName)}户）` : ''}`;
export const when = (l: ReminderLine) =>
  l.overdueDays > 0
    ? `<font color='red'>已逾期 ${l.overdueDays} 天</font>（${l.dueLabel}截止）`
    : `${l.dueLabel}截止`;

export const headline = (v: { overdue: number; dueSoon: number }) =>
  [v.overdue > 0 ? `${v.overdue} 项已逾期` : '', v.dueSoon > 0 ? `${v.dueSoon} 项即将到期` : '']
    .filter(Boolean)
    .join('，');

/** The daily reminder in a village chat: what is missing, @owners, and how to file from it. */
export function reminderCard(v: ReminderView): object {
  const mentions = v.mentions.map((id) => `<at id=${id}></at>`).join(' ');
  const lines = v.lines.map((l) => `- ${what(l)}：${l.missingText}，${when(l)}`);
  if (v.more > 0) lines.push(`- …另有 ${v.more} 项，点「查看全部」`);
  const unfiled = v.unfiled && v.unfiled.total > 0 ? [md(unfiledLine(v.unfiled))] : [];
  const tasks =
    v.lines.length > 0
      ? [md(`${mentions ? `${mentions} ` : ''}以下材料还没交齐（${headline(v)}）：`), md(lines.join('\n'))]
      : [];
  return card(`⏰ 交材料提醒 · ${v.unitName}`, v.overdue > 0 ? 'red' : 'orange', [
    ...tasks,
    ...unfiled,
    hr(),
    // Only the waiting materials (no task listed): 「归到上面的任务」 would point at nothing.
    ...(tasks.length > 0 ? fileFromHere(v) : [allTasksButton(v)]),
  ]);
}

/** The reminder's (and the 督办's) way to file from it: reply to it, or open the unit's tasks. */
export const fileFromHere = (v: { unitId: number; pageUrl?: string }): object[] => [
  md(
    '📎 直接**回复这条消息**发送照片或文件，就会归到上面的任务（有多项时会让你选）。也可以在说明里写 #编号。',
  ),
  allTasksButton(v),
];

const allTasksButton = (v: { unitId: number; pageUrl?: string }) =>
  buttonRow([detail('查看全部', v.unitId, v.pageUrl, 'primary')]);

/**
 * A unit's detail: its web page when there is one (PUBLIC_URL), else a button that sends its detail
 * card (usecases/unit-detail-action.ts) into the chat.
 */
const detail = (text: string, unitId: number, url?: string, type: 'primary' | 'default' = 'default') =>
  url ? linkButton(text, url, type) : button(text, UNIT_DETAIL.value({ u: unitId }), type);

export function reminderText(v: ReminderView, names: ReadonlyMap<string, string> = new Map()): string {
  const who = v.mentions.map((id) => `@${personName(names, id)}`).join(' ');
  const lines = v.lines.map(
    (l) =>
      `  #${l.code} ${l.title}${l.householdName ? `（${l.householdName}户）` : ''}：${l.missingText}，` +
      (l.overdueDays > 0 ? `已逾期 ${l.overdueDays} 天（${l.dueLabel}截止）` : `${l.dueLabel}截止`),
  );
  if (v.more > 0) lines.push(`  …另有 ${v.more} 项`);
  if (v.unfiled && v.unfiled.total > 0) lines.push(`  ${unfiledLine(v.unfiled)}`);
  return [`交材料提醒 · ${v.unitName}：${headline(v)} ${who}`.trim(), ...lines].join('\n');
}

export interface EscalationView {
  /** The townships/counties the leader is told about. */
  scopes: { id: number; name: string }[];
  lines: ReminderLine[];
  /** Tasks overdue past the threshold (`lines` lists the first of them). */
  total: number;
  /** Every overdue task under `scopes` (what the unit pages' 逾期 list shows). */
  overdue: number;
  /** The threshold `total` is past, in working days. */
  afterWorkingDays: number;
  /** The web pages' root (PUBLIC_URL set): the buttons open units' pages; 督办 is a button either way. */
  publicUrl?: string;
}

/** A leader's direct message: work overdue past the escalation threshold under their units. */
export function escalationCard(v: EscalationView): object {
  // With web pages each line opens its task's page (what is missing, who filed what, 督办 there).
  const task = (l: ReminderLine) =>
    v.publicUrl && l.taskId !== undefined ? `[${what(l)}](${v.publicUrl}/tasks/${l.taskId})` : what(l);
  const lines = v.lines.map(
    (l) =>
      `- ${esc(l.unitName ?? '')} ${task(l)}：${l.missingText}，逾期 ${l.workingDaysLate} 个工作日` +
      `（${l.dueLabel}截止${l.owners?.length ? `，负责人 ${l.owners.map(esc).join('、')}` : ''}）`,
  );
  if (v.total > v.lines.length) lines.push(`- …逾期超过 ${v.afterWorkingDays} 个工作日的共 ${v.total} 项`);
  const names = v.scopes.map((x) => x.name).join('、');
  const page = (id: number) => (v.publicUrl ? `${v.publicUrl}/units/${id}` : undefined);
  // 查看全部 for each unit the leader leads, then the (up to three) units the first lines name.
  const units = [
    ...new Map(
      v.lines.filter((l) => l.unitId !== undefined).map((l) => [l.unitId!, l.unitName ?? '']),
    ).entries(),
  ].slice(0, 3);
  return card(
    `⚠️ 逾期未交齐 · ${names}`,
    'red',
    [
      // The count says which tasks it counts: the page 查看全部 opens lists every overdue one.
      md(`${escalationHeadline(v)}，请督促相关村抓紧补齐：`),
      md(lines.join('\n')),
      buttonRow([
        ...v.scopes.map((x) =>
          detail(
            v.scopes.length > 1 ? `${x.name.slice(0, 16)}全部` : '查看全部',
            x.id,
            page(x.id),
            'primary',
          ),
        ),
        ...units.map(([id, name]) => detail(name.slice(0, 20), id, page(id))),
      ]),
      // 督办 those villages from here, with or without web pages (usecases/urge-card-action.ts).
      ...(units.length > 0
        ? [
            buttonRow(
              units.map(([id, name]) => button(`督办 ${name.slice(0, 20)}`, URGE.value({ u: id }), 'danger')),
            ),
          ]
        : []),
    ],
    { summary: `逾期未交齐 · ${names}：超过 ${v.afterWorkingDays} 个工作日 ${v.total} 项` },
  );
}

/** 「逾期超过 3 个工作日仍未交齐的 9 项（共逾期 23 项）」: the threshold's count, then every overdue one. */
function escalationHeadline(v: EscalationView, bold = true): string {
  const n = bold ? `**${v.total}**` : String(v.total);
  const all = v.overdue > v.total ? `（共逾期 ${v.overdue} 项）` : '';
  return `逾期超过 ${v.afterWorkingDays} 个工作日仍未交齐的 ${n} 项${all}`;
}

export function escalationText(v: EscalationView): string {
  return [
    `逾期未交齐 · ${v.scopes.map((x) => x.name).join('、')}：${escalationHeadline(v, false)}`,
    ...v.lines.map(
      (l) =>
        `  ${l.unitName ?? ''} #${l.code} ${l.title}：${l.missingText}，逾期 ${l.workingDaysLate} 个工作日` +
        (l.owners?.length ? `，负责人 ${l.owners.join('、')}` : ''),
    ),
  ].join('\n');
}
