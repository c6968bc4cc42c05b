import { villagesLines, type ChildWords, type VillageCounts } from '../domain/township-chat.js';
import { buttonRow, card, esc, linkButton, md } from './card-kit.js';

/**
 * Where to look further: 进度 (the children's completion) and 缺什么 (what the villages still owe), and
 * the unit's page when PUBLIC_URL is set.
 */
function further(pageUrl: string | undefined, w: ChildWords): object[] {
  return [
    md(
      `<font color='grey'>发送「进度」看各${w.children}完成率，「缺什么」看各${w.villages}还缺的材料。</font>`,
    ),
    ...(pageUrl ? [buttonRow([linkButton(`查看各${w.children}情况`, pageUrl, 'primary')])] : []),
  ];
}

const escaped = (villages: readonly VillageCounts[]) => villages.map((v) => ({ ...v, name: esc(v.name) }));

/**
 * 任务 in a township's group when the township itself has nothing left to hand in (no task of its own,
 * or `ownDone`: all 交齐): its villages' state (villagesLines), not 「没有未完成的任务 👍」 while they owe.
 * A county's (`words`: childWords('county')) names its townships the same way.
 */
export function townshipVillagesCard(
  unitName: string,
  villages: readonly VillageCounts[],
  o: { ownDone: boolean; pageUrl: string | undefined; words: ChildWords },
): object {
  const w = o.words;
  const own = o.ownDone ? `${w.own}自己的任务都已交齐。` : `${w.own}自己没有要交材料的任务。`;
  const lines = villagesLines(escaped(villages), w);
  const owing = villages.some((v) => v.total - v.complete - v.waived > 0);
  const overdue = villages.some((v) => v.overdue > 0);
  return card(
    `${unitName} · 各${w.children}的任务`,
    overdue ? 'orange' : owing ? 'blue' : 'green',
    [md([own, ...lines].join('\n')), ...further(o.pageUrl, w)],
    { summary: `${unitName}：${lines[0]!.replace(/\*\*/g, '')}` },
  );
}

/** The villages' (a county's: townships') part under the unit's own open tasks (taskListCard's `below`). */
export function villagesBelow(
  villages: readonly VillageCounts[],
  pageUrl: string | undefined,
  w: ChildWords,
): object[] {
  return [
    md(`**各${w.children}**\n${villagesLines(escaped(villages), w).join('\n')}`),
    ...further(pageUrl, w),
  ];
}
