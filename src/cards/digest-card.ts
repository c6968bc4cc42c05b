import {
  changeText,
  qualityTotal,
  urgesText,
  worstFirst,
  type DigestFigures,
  type DigestUnitRow,
} from '../domain/digest.js';
import { UNIT_DETAIL } from './actions.js';
import { button, buttonRow, card, CARD_LIMIT_BYTES, cardBytes, esc, hr, linkButton, md } from './card-kit.js';
import { plainDay } from '../domain/plain-date.js';
import { localDay } from '../domain/working-days.js';
import { MATERIAL_STATUS_LABEL as STATUS } from '../domain/material-status.js';

/** Headroom under Lark's 30 KB for the message envelope. */
const BUDGET = CARD_LIMIT_BYTES - 1024;
/** At most this many bars: best and worst halves when there are more children. */
const MAX_BARS = 30;

const pct = (p: number | null) => (p === null ? '—' : `${p.toFixed(1)}%`);
const change = changeText;
/** Figures as written in Chinese text: no thousands separators. */
const num = (n: number) => String(n);

/**
 * The weekly digest card (JSON 2.0): headline figures, a VChart bar of the children's completeness,
 * a table of every child (worst first), the oldest overdue items with owners, what was filed this
 * week, quality problems and the next deadlines. It always fits Lark's 30 KB: with many children
 * the chart shows the best and worst 15, and the table is cut (worst kept) until it fits.
 */
export function digestCard(f: DigestFigures, timeZone: string, publicUrl?: string): object {
  let rows = f.children.length;
  let bars = Math.min(MAX_BARS, f.children.length);
  for (;;) {
    const c = build(f, timeZone, rows, bars, publicUrl);
    if (cardBytes(c) <= BUDGET || (rows === 0 && bars === 0)) return c;
    if (rows > 10) rows = Math.max(10, Math.floor(rows * 0.8));
    else if (bars > 10) bars = 10;
    else if (rows > 0) rows = 0;
    else bars = 0;
  }
}

function build(
  f: DigestFigures,
  timeZone: string,
  tableRows: number,
  bars: number,
  publicUrl: string | undefined,
): object {
  const s = f.scope;
  const today = localDay(f.to, timeZone);
  // The week's days: every page link carries them, so what it opens counts what the figures counted.
  const week = `from=${localDay(f.from, timeZone)}&to=${localDay(new Date(f.to.getTime() - 1), timeZone)}`;
  // With web pages every figure and line opens what it counts (a markdown link: Lark renders those in
  // card text); without them it is plain text.
  const link = (text: string, path: string) => (publicUrl ? `[${text}](${publicUrl}${path})` : text);
  const q = f.quality;
  // 「上周」, or 「近 2 周」 when the digest reports the weeks since a digest that never went out.
  const span = f.weeks === 1 ? '上周' : `近 ${f.weeks} 周`;
  // Every problem the page it opens lists (its three lists), so the figure is the page's 共 N 个.
  const problems = qualityTotal(q);
  // Each headline figure opens the same page as the button or heading below that covers it.
  const pages = {
    all: `/units/${s.id}?${week}`,
    overdue: `/units/${s.id}?${week}#overdue`,
    filed: `/search?unit=${s.id}&${week}`,
    quality: `/units/${s.id}?${week}#quality`,
    urges: `/units/${s.id}?${week}#urges`,
  };
  const elements: object[] = [
    md(
      `**完成率 ${pct(s.percent)}**（${f.changeLabel} ${change(s.change)}${s.change === null ? '' : ' 个百分点'}）\n` +
        // 完成率 counts 免交 as done; the page it opens says 「已齐 70、免交 30」, so the card does too.
        `任务 ${num(s.total)} 项，已交齐 ${num(s.done - (s.waived ?? 0))} 项` +
        `${s.waived ? `、免交 ${num(s.waived)} 项` : ''}，逾期 **${num(s.overdue)}** 项`,
    ),
    kpis([
      ['完成率', link(pct(s.percent), pages.all)],
      ['逾期', link(num(s.overdue), pages.overdue)],
      [`${span}提交`, link(`${num(f.filed.materials)} 份`, pages.filed)],
      ['质量问题', link(num(problems), pages.quality)],
    ]),
  ];
  if (f.children.length > 0) {
    if (bars > 0) elements.push(chart(f.children, bars));
    if (f.best.length > 0)
      elements.push(
        md(
          `🏆 最好：${f.best.map((r) => `${esc(r.name)} ${pct(r.percent)}`).join('、')}\n` +
            `⚠️ 最差：${f.worst.map((r) => `${esc(r.name)} ${pct(r.percent)}`).join('、')}`,
        ),
      );
    if (tableRows > 0) elements.push(table(f.children, tableRows, f.changeLabel));
    if (tableRows < f.children.length)
      elements.push(
        md(
          `<font color='grey'>共 ${f.children.length} 个下级单位，${tableRows > 0 ? `表中列出完成率最低的 ${tableRows} 个` : '明细从略'}；点「查看全部」看完整名单。</font>`,
        ),
      );
  }
  // The heading opens the scope's 逾期 list, each task its page.
  elements.push(hr());
  elements.push(
    md(
      f.oldest.length === 0
        ? '✅ 没有逾期未交齐的任务'
        : `**${link(`最久未交齐（逾期 ${num(s.overdue)} 项中最早的 ${f.oldest.length} 项）`, pages.overdue)}**\n` +
            f.oldest
              .map(
                (o) =>
                  `- ${link(`${esc(o.unitName)} #${esc(o.code)} ${esc(o.title)}${o.householdName ? `（${esc(o.householdName)}户）` : ''}`, `/tasks/${o.taskId}`)}：` +
                  `${o.missingText}，逾期 ${o.overdueDays} 天${o.owners.length ? `，负责人 ${o.owners.map(esc).join('、')}` : ''}`,
              )
              .join('\n'),
    ),
  );
  elements.push(
    md(
      `**${f.weekName}** 新提交 ${num(f.filed.items)} 件、${num(f.filed.materials)} 份材料\n` +
        `质量问题 ${num(problems)} 个：压缩照片 ${num(q.compressed)} 张，照片组缺少说明 ${num(q.undescribed)} 组，` +
        `${STATUS.needs_reupload} ${num(q.needsReupload)} 个，${STATUS.failed} ${num(q.failed)} 个` +
        (q.tooLarge > 0 ? `，${STATUS.too_large} ${num(q.tooLarge)} 个` : '') +
        // The 督办 of those weeks (none: no line), opening the unit page's list of them.
        (f.urges.count > 0 ? `\n${link(urgesText(f), pages.urges)}` : ''),
    ),
  );
  // What was handed in that week, item by item: the search page over the unit for those seven days
  // (the same live items the figure counts); its quality problems: the unit page's over that week.
  // Only with web pages: the detail card has no such lists.
  if (publicUrl && (f.filed.items > 0 || problems > 0)) {
    elements.push(
      buttonRow([
        ...(f.filed.items > 0 ? [linkButton(`查看${span}提交`, `${publicUrl}${pages.filed}`)] : []),
        ...(problems > 0 ? [linkButton('查看质量问题', `${publicUrl}${pages.quality}`)] : []),
      ]),
    );
  }
  if (f.deadlines.length > 0)
    elements.push(
      md(
        `**接下来的截止日期**\n${f.deadlines
          .map(
            (d) =>
              `- ${link(`${plainDay(d.day, today)}：${num(d.open)} 项未齐`, `/units/${s.id}?due=${d.day}#due`)}`,
          )
          .join('\n')}`,
      ),
    );
  // 查看全部 opens the scope's page (every unit; its quality problems over the digest's week), the three
  // weakest units below it a button each (units without tasks have nothing to chase: they are never the weakest); without
  // web pages (PUBLIC_URL unset) they send the unit's detail card (the full table) into this chat.
  const worst = worstFirst(f.children)
    .filter((r) => r.percent !== null)
    .slice(0, 3);
  const open = (text: string, id: number, type: 'primary' | 'default' = 'default') =>
    publicUrl
      ? linkButton(text, `${publicUrl}/units/${id}?${week}`, type)
      : button(text, UNIT_DETAIL.value({ u: id }), type);
  elements.push(
    buttonRow([open('查看全部', s.id, 'primary'), ...worst.map((r) => open(r.name.slice(0, 20), r.id))]),
  );
  return card(`📊 进度周报 · ${s.name}`, 'blue', elements, {
    subtitle: f.weekName,
    summary: `进度周报 · ${s.name} · 完成率 ${pct(s.percent)}，逾期 ${num(s.overdue)} 项`,
  });
}

const WEEKDAY_NAMES = ['一', '二', '三', '四', '五', '六', '日'];

/**
 * The weekly digest of a unit with no tasks yet (before its first 任务清单): no figures to report, so it
 * says why and who starts the tasks, instead of leaving the leader without a word every week.
 * `weekday`: the digest's configured day (1 = Monday), named as the day the figures begin.
 */
export function noTasksDigestCard(unitName: string, weekName: string, weekday = 1): object {
  return card(
    `📊 进度周报 · ${unitName}`,
    'grey',
    [
      md(
        `**还没有任务清单**\n${esc(unitName)}和下级单位还没有归档任务，所以没有完成率和逾期可报。\n` +
          `任务清单由县里管理归档助手的技术人员下发；下发后的第一个周${WEEKDAY_NAMES[weekday - 1] ?? '一'}起，周报照常统计。`,
      ),
    ],
    { subtitle: weekName, summary: `进度周报 · ${unitName} · 还没有任务清单` },
  );
}

function kpis(items: [string, string][]): object {
  return {
    tag: 'column_set',
    flex_mode: 'bisect',
    horizontal_spacing: 'default',
    columns: items.map(([label, value]) => ({
      tag: 'column',
      width: 'weighted',
      weight: 1,
      elements: [md(`**${value}**\n<font color='grey'>${label}</font>`)],
    })),
  };
}

/** Height of one bar, and of the axes and margins, in px: the chart is as tall as its bars need. */
const BAR_PX = 26;
const AXES_PX = 60;
/**
 * Lark's chart `height` is `auto` (from `aspect_ratio`) or a fixed `[1,999]px`, which then overrides
 * `aspect_ratio` (card JSON 2.0 chart component). MAX_BARS keeps us at 840 px; the clamp keeps a
 * larger MAX_BARS from producing a height Lark refuses.
 */
const MAX_HEIGHT_PX = 999;

/**
 * VChart horizontal bars of completeness, best at the top, as tall as the bars need (a phone shows
 * 30 bars readably, never squeezed into 16:9). When there are more units, the best and worst halves,
 * with a visible gap row between them naming how many are left out.
 */
function chart(ranked: DigestUnitRow[], bars: number): object {
  const withTasks = ranked.filter((r) => r.percent !== null);
  const cut = withTasks.length > bars;
  // When cut, the gap row takes one of the places: never more rows than `bars`.
  const shown = cut ? bars - 1 : bars;
  const top = withTasks.slice(0, Math.ceil(shown / 2));
  const bottom = withTasks.slice(withTasks.length - Math.floor(shown / 2));
  const left = withTasks.length - top.length - bottom.length;
  const values = cut
    ? [
        ...top.map((r) => ({ unit: r.name, percent: r.percent })),
        { unit: `⋯ 中间 ${left} 个从略 ⋯`, percent: null },
        ...bottom.map((r) => ({ unit: r.name, percent: r.percent })),
      ]
    : withTasks.map((r) => ({ unit: r.name, percent: r.percent }));
  return {
    tag: 'chart',
    height: `${Math.min(MAX_HEIGHT_PX, AXES_PX + BAR_PX * values.length)}px`,
    chart_spec: {
      type: 'bar',
      direction: 'horizontal',
      data: { values },
      xField: 'percent',
      yField: 'unit',
      axes: [
        { orient: 'bottom', min: 0, max: 100 },
        { orient: 'left', type: 'band', inverse: true },
      ],
      label: { visible: true },
    },
  };
}

/** Every child, worst first (the ones to chase), paged 10 a page in the client. */
function table(ranked: DigestUnitRow[], n: number, changeLabel: string): object {
  const rows = worstFirst(ranked).slice(0, n);
  return {
    tag: 'table',
    page_size: 10,
    row_height: 'low',
    header_style: { bold: true, background_style: 'grey' },
    columns: [
      { name: 'unit', display_name: '单位', data_type: 'text', width: 'auto' },
      { name: 'pct', display_name: '完成率', data_type: 'text' },
      { name: 'chg', display_name: changeLabel, data_type: 'text' },
      { name: 'od', display_name: '逾期', data_type: 'number' },
    ],
    rows: rows.map((r) => ({
      unit: r.name,
      pct: pct(r.percent),
      chg: change(r.change),
      od: r.overdue,
    })),
  };
}
