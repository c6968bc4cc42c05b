import type { MissingList } from '../db/repos/completeness-missing.js';
import type { ProgressCounts, UnitProgress } from '../db/repos/completeness-progress.js';
import { UNIT_DETAIL } from './actions.js';
import { plainNames, type UnitNames } from '../domain/pick-unit.js';
import { retiredChildrenLine } from '../domain/retired-units.js';
import { button, buttonRow, card, CARD_LIMIT_BYTES, cardBytes, esc, hr, md, shortDate } from './card-kit.js';

/** Headroom under Lark's 30 KB for the message envelope. */
const BUDGET = CARD_LIMIT_BYTES - 1024;

const pct = (c: ProgressCounts) => (c.percent === null ? '—' : `${c.percent}%`);

/**
 * What 查看全部 and a unit's button on a reminder, escalation or digest open when there is no web page
 * (PUBLIC_URL unset): the unit's figures, the full table of the units below it (worst first; cut only
 * to stay under Lark's 30 KB, saying so), what is still missing (most urgent first) and a button for
 * each of the three weakest units below, to go one level down. `names`: how the units the missing
 * tasks belong to are called (two 东村: 城关镇东村; `p` is drawn with its names as they are).
 */
export function unitDetailCard(
  p: UnitProgress,
  missing: MissingList,
  timeZone: string,
  now: Date = new Date(),
  names: UnitNames = plainNames,
): object {
  let rows = p.children.length;
  let items = missing.items.length;
  for (;;) {
    const c = build(p, missing, timeZone, rows, items, now, names);
    if (cardBytes(c) <= BUDGET || (rows === 0 && items === 0)) return c;
    if (rows > 10) rows = Math.max(10, Math.floor(rows * 0.8));
    else if (items > 5) items = 5;
    else if (rows > 0) rows = 0;
    else items = 0;
  }
}

function build(
  p: UnitProgress,
  missing: MissingList,
  timeZone: string,
  rows: number,
  items: number,
  now: Date,
  names: UnitNames,
): object {
  const c = p.counts;
  const elements: object[] = [
    md(
      `**完成率 ${pct(c)}**（共 ${c.total} 项：齐全 ${c.complete}，部分 ${c.partly}，一件没交 ${c.open}，免交 ${c.waived}）\n` +
        (c.overdue > 0 ? `⚠️ 逾期未交齐 **${c.overdue}** 项` : '没有逾期未交齐的任务'),
    ),
  ];
  const worstFirst = [...p.children].sort(
    (a, b) =>
      (a.counts.percent ?? 101) - (b.counts.percent ?? 101) ||
      b.counts.overdue - a.counts.overdue ||
      a.unit.name.localeCompare(b.unit.name, 'zh-CN'),
  );
  if (p.children.length > 0) {
    const lines = worstFirst
      .slice(0, rows)
      .map(
        (ch, i) =>
          `${i + 1}. ${esc(ch.unit.name)}　${pct(ch.counts)}${ch.counts.overdue ? `（逾期 ${ch.counts.overdue} 项）` : ''}`,
      );
    const cut =
      rows < p.children.length
        ? `\n<font color='grey'>共 ${p.children.length} 个，${rows > 0 ? `列出完成率最低的 ${rows} 个` : '名单太长，从略'}</font>`
        : '';
    elements.push(md(`**下级单位（${p.children.length} 个，完成率从低到高）**\n${lines.join('\n')}${cut}`));
  }
  // Retired children (撤并) apart, not ranked: their tasks were waived, they did not finish.
  if (p.retired.length > 0)
    elements.push(md(`<font color='grey'>${esc(retiredChildrenLine(p.retired, now, timeZone))}</font>`));
  if (missing.total > 0) {
    const lines = missing.items
      .slice(0, items)
      .map(
        (m) =>
          `- ${m.overdue ? `🔴 逾期 ${m.daysOverdue} 天` : `截止 ${shortDate(m.dueAt, timeZone)}`}　` +
          `${m.unitId !== p.unit.id ? `${esc(names({ id: m.unitId, name: m.unitName }))} ` : ''}${m.householdName ? `${esc(m.householdName)}户 ` : ''}` +
          `${esc(m.title)}：${esc(m.missingText)}`,
      );
    const more = missing.total > items ? `\n… 还有 ${missing.total - items} 项` : '';
    elements.push(hr(), md(`**还没交齐（${missing.total} 项，最急的在前）**\n${lines.join('\n')}${more}`));
  } else {
    elements.push(hr(), md('✅ 所有任务的材料都已交齐'));
  }
  const weakest = worstFirst.slice(0, 3);
  if (weakest.length > 0)
    elements.push(
      buttonRow(weakest.map((ch) => button(ch.unit.name.slice(0, 20), UNIT_DETAIL.value({ u: ch.unit.id })))),
    );
  return card(`${p.unit.name} · 明细`, c.overdue > 0 ? 'orange' : 'green', elements, {
    summary: `${p.unit.name}：完成率 ${pct(c)}，逾期 ${c.overdue} 项`,
  });
}
