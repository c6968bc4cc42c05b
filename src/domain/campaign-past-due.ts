import { plainDate } from './plain-date.js';

/** A new task of `campaigns create` (its checklist item and due time). */
export interface NewTaskDue {
  itemCode: string;
  title: string;
  dueAt: Date;
}

/**
 * The new tasks whose due time has passed at `now`, per checklist item: a campaign made in December
 * for items due 30 June made tasks overdue at once, escalated to the leaders from the next working day.
 */
export function pastDueByItem(tasks: readonly NewTaskDue[], now: Date) {
  const byItem = new Map<string, { itemCode: string; title: string; dueAt: Date; count: number }>();
  for (const t of tasks) {
    if (t.dueAt.getTime() > now.getTime()) continue;
    const key = `${t.itemCode}\t${t.dueAt.getTime()}`;
    const seen = byItem.get(key);
    if (seen) seen.count++;
    else byItem.set(key, { itemCode: t.itemCode, title: t.title, dueAt: t.dueAt, count: 1 });
  }
  return [...byItem.values()];
}

/** Why `campaigns create` made nothing, and the three ways on (as the IT person types them). */
export function pastDueRefusal(items: ReturnType<typeof pastDueByItem>, now: Date, timeZone: string): string {
  const total = items.reduce((n, i) => n + i.count, 0);
  const shown = items
    .slice(0, 10)
    .map((i) => `${i.itemCode} ${i.title}（${plainDate(i.dueAt, now, timeZone)}，${i.count} 个）`);
  if (items.length > 10) shown.push(`……共 ${items.length} 项`);
  return (
    `有 ${total} 个任务一建好就已过截止日期，没有创建（下一个工作日起会按逾期向领导催办）：${shown.join('；')}。` +
    '按截止前天数算的，把 --deadline 改晚；固定日期的（如 6月30日），复制清单改 due 再 campaigns load-checklists；' +
    '确实要补建已过期的任务，加 --allow-past-due'
  );
}
