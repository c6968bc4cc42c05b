import type { MissingList } from '../db/repos/completeness-missing.js';
import { missingGroups } from '../domain/missing-groups.js';
import { plainNames, type UnitNames } from '../domain/pick-unit.js';
import type { VillageWord } from '../domain/village-word.js';
import { sentAs } from '../domain/export-again.js';
import { buttonRow, card, esc, linkButton, md } from './card-kit.js';
import { missingRow } from './unit-cards.js';

/**
 * 缺什么 in a township or a county (its group, or a leader's direct chat): what is missing grouped by
 * unit (domain/missing-groups.ts: a county's villages under their townships), the first few of each and
 * a phone's length in all; what is left out is counted, with where to read it: 缺什么 naming one of the
 * units below (with the @ in a group: without it, the words are chat), 进度, and with PUBLIC_URL the unit's
 * page. `children`: what the units below are called; `names`: how units are called (two 东村: 城关镇东村).
 */
export function missingByUnitCard(
  unit: { id: number; name: string; path: string },
  list: MissingList,
  timeZone: string,
  o: { children: VillageWord | '乡镇'; pageUrl?: string; names?: UnitNames; where: 'group' | 'direct' },
): object {
  const names = o.names ?? plainNames;
  const { groups, shown } = missingGroups(list.items, unit, undefined, names);
  const blocks = groups.map((g) =>
    [
      `**${esc(g.heading)}**`,
      ...g.items.map((m) => `${missingRow(m, timeZone)}：${esc(m.missingText)}`),
      ...(g.cut ? ['- …'] : []),
    ].join('\n'),
  );
  const left = list.total - shown;
  const example = groups.find((g) => g.child)?.child;
  const rest =
    left > 0
      ? `还有 **${left}** 项没列出：` +
        (example ? `发送「${sentAs(`缺什么 ${esc(example)}`, o.where)}」看一个${o.children}还缺的，` : '') +
        `「进度」看各${o.children}完成率。`
      : `发送「进度」看各${o.children}完成率。`;
  return card(`${names(unit)} · 还缺什么（${list.total} 项）`, 'orange', [
    md(blocks.join('\n')),
    md(`<font color='grey'>${rest}</font>`),
    ...(o.pageUrl ? [buttonRow([linkButton(`查看各${o.children}情况`, o.pageUrl, 'primary')])] : []),
  ]);
}
