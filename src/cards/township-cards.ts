import { villagesLines, type VillageCounts } from '../domain/township-chat.js';
import { buttonRow, card, esc, linkButton, md } from './card-kit.js';

/** Where to look further: 进度 and 缺什么, and the township's page when PUBLIC_URL is set. */
function further(pageUrl: string | undefined): object[] {
  return [
    md("<font color='grey'>发送「进度」看各村完成率，「缺什么」看各村还缺的材料。</font>"),
    ...(pageUrl ? [buttonRow([linkButton('查看各村情况', pageUrl, 'primary')])] : []),
  ];
}

const escaped = (villages: readonly VillageCounts[]) => villages.map((v) => ({ ...v, name: esc(v.name) }));

/**
 * 任务 in a township's group when the township itself has nothing left to hand in (no task of its own,
 * or `ownDone`: all 交齐): its villages' state (villagesLines), not 「没有未完成的任务 👍」 while they owe.
 */
export function townshipVillagesCard(
  unitName: string,
  villages: readonly VillageCounts[],
  o: { ownDone: boolean; pageUrl: string | undefined },
): object {
  const own = o.ownDone ? '本乡镇自己的任务都已交齐。' : '本乡镇自己没有要交材料的任务。';
  const lines = villagesLines(escaped(villages));
  const owing = villages.some((v) => v.total - v.complete - v.waived > 0);
  const overdue = villages.some((v) => v.overdue > 0);
  return card(
    `${unitName} · 各村的任务`,
    overdue ? 'orange' : owing ? 'blue' : 'green',
    [md([own, ...lines].join('\n')), ...further(o.pageUrl)],
    { summary: `${unitName}：${lines[0]!.replace(/\*\*/g, '')}` },
  );
}

/** The villages' part under a township's own open tasks (taskListCard's `below`). */
export function villagesBelow(villages: readonly VillageCounts[], pageUrl: string | undefined): object[] {
  return [md(`**各村**\n${villagesLines(escaped(villages)).join('\n')}`), ...further(pageUrl)];
}
