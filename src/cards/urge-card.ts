import { card, esc, hr, md } from './card-kit.js';
import {
  fileFromHere,
  headline,
  unfiledLine,
  what,
  when,
  type ReminderLine,
  type ReminderView,
} from './reminder-card.js';

export interface UrgeView extends ReminderView {
  /** Who pressed 督办: 「城关镇领导 赵书记」 (the name when known, else the role alone). */
  by: string;
  /** The tasks urged (a 逾期 row or task page: that one; the unit's 督办: its overdue ones), first. */
  urged: ReminderLine[];
  /** Whether one task was urged (a 逾期 row or task page), not the unit. */
  oneTask: boolean;
}

/**
 * 督办 in a village chat: unlike the daily reminder, it says it is a 督办 and who pressed it, puts
 * the task(s) urged first, then the village's other open tasks as the reminder lists them; the
 * reminder's ways to file from it (reply, 查看全部).
 */
export function urgeCard(v: UrgeView): object {
  const mentions = v.mentions.map((id) => `<at id=${id}></at>`).join(' ');
  const urgedIds = new Set(v.urged.map((l) => l.taskId));
  const rest = v.lines.filter((l) => !urgedIds.has(l.taskId));
  const line = (l: ReminderLine) => `- ${what(l)}：${l.missingText}，${when(l)}`;
  const restLines = rest.map(line);
  if (v.more > 0) restLines.push(`- …另有 ${v.more} 项，点「查看全部」`);
  const ask = v.oneTask ? '请抓紧交齐这项材料' : '请抓紧交齐下面的材料';
  const top =
    v.urged.length > 0
      ? [
          md(`${mentions ? `${mentions} ` : ''}**${esc(v.by)}** 督办，${ask}：`),
          md(v.urged.map(line).join('\n')),
        ]
      : [md(`${mentions ? `${mentions} ` : ''}**${esc(v.by)}** 督办，请抓紧交材料。`)];
  const others =
    restLines.length > 0
      ? [
          hr(),
          md(
            v.urged.length > 0
              ? `其他还没交齐的（${restHeadline(rest, v)}）：`
              : `以下材料还没交齐（${headline(v)}）：`,
          ),
          md(restLines.join('\n')),
        ]
      : [];
  const unfiled = v.unfiled && v.unfiled.total > 0 ? [md(unfiledLine(v.unfiled))] : [];
  const first = v.urged[0];
  const summary = first
    ? `${v.by}督办：#${first.code} ${first.title}${v.urged.length > 1 ? ` 等 ${v.urged.length} 项` : ''}`
    : `${v.by}督办 · ${v.unitName}`;
  return card(`📌 督办 · ${v.unitName}`, 'red', [...top, ...others, ...unfiled, hr(), ...fileFromHere(v)], {
    summary,
  });
}

/** 「1 项已逾期，2 项即将到期」 of the tasks listed after the urged ones (and those not listed). */
function restHeadline(rest: ReminderLine[], v: UrgeView): string {
  const urgedOverdue = v.urged.filter((l) => l.overdueDays > 0).length;
  const overdue = v.overdue - urgedOverdue;
  const dueSoon = v.dueSoon - (v.urged.length - urgedOverdue);
  const shown = headline({ overdue: Math.max(0, overdue), dueSoon: Math.max(0, dueSoon) });
  return shown || `${rest.length} 项`;
}
