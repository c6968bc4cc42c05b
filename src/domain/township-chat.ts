import { worstFirst } from './digest.js';
import type { VillageWord } from './village-word.js';

/**
 * What a township's group is told. A township usually has no 任务清单 of its own (the county gives
 * them to its villages), so its group must not be told to wait for one, nor 「没有未完成的任务 👍」
 * while its villages owe materials: what its officers and leaders want there is their villages' state.
 */

/** What becomes of what is sent to a township's group: its own archive. */
const KEPT_HERE = '发到本群的材料都会保存好，归入本乡镇自己的档案';

/**
 * What a township's group with no task of its own is told of the materials sent there, instead of
 * waiting for a 任务清单 that may never come: the filing card, 未归档 and its 选任务, 分开交, and the
 * card after binding the group. Nothing is chosen there; a village's materials belong in its group
 * (`v`: what its villages are called, village-word.ts). `unitName`: said in a direct chat with the bot,
 * which is no 本群: the township named.
 */
export function townshipOwnMaterials(v: VillageWord, unitName?: string): string {
  const kept = unitName
    ? `${unitName}是乡镇，发到${unitName}的群里的材料都会保存好，归入${unitName}自己的档案`
    : `这是乡镇的群，${KEPT_HERE}`;
  return (
    `${kept}，不用选任务；不用交的材料${unitName ? '在群里' : ''}点「不用交」。` +
    `${v}里的材料请发到那个${v}的群里（或问问档案员）。`
  );
}

/** One line of a 未归档 list mixing chats (a direct chat): a township's group, where nothing is chosen. */
export const TOWNSHIP_OWN_LINE = '这是乡镇的群，材料归入乡镇自己的档案，不用选任务。';

/**
 * 帮助 in a township's group with no task of its own: what the group is for, and where the villages are.
 * `urge`: the township's page, told only to whoever may 督办 there (leaders, archivists, admins).
 */
export function townshipHelp(v: VillageWord, urge?: { pageUrl: string }): string {
  return (
    `这是乡镇的工作群，${KEPT_HERE}。` +
    `各${v}交材料的情况：发送「进度」看各${v}完成率，「缺什么」看各${v}还缺的材料` +
    (urge ? `；您可以在[本乡镇的网页](${urge.pageUrl})上督办逾期的${v}。` : '。')
  );
}

/** 任务, 缺什么 and 进度 in a township none of whose villages has a task yet (each January). */
export const townshipNoVillageTasks = (v: VillageWord): string =>
  `各${v}还没有任务清单，还没有要交的材料。县里给各${v}下发任务清单后，发送「进度」就能看各${v}的情况。${KEPT_HERE}。`;

/**
 * Whom a township's or a county's 任务 names below it: a township's villages, a county's townships
 * (乡镇, each with its villages' counts); `villages` what the villages below are called (village-word.ts);
 * `own` names the unit itself (a county may be a 县, a 区 or a 市).
 */
export interface ChildWords {
  children: VillageWord | '乡镇';
  villages: VillageWord;
  own: '本乡镇' | '本单位';
}

export const childWords = (kind: 'township' | 'county', villages: VillageWord): ChildWords =>
  kind === 'county'
    ? { children: '乡镇', villages, own: '本单位' }
    : { children: villages, villages, own: '本乡镇' };

/** One village under the township (or township under the county): its subtree's counts (unitProgress's children). */
export interface VillageCounts {
  name: string;
  total: number;
  complete: number;
  waived: number;
  overdue: number;
  /** (complete + waived) / total in %, one decimal; null without tasks. */
  percent: number | null;
}

/** How many villages are chased first in a township's 任务 (a phone's few lines). */
const WORST_SHOWN = 3;

/**
 * The villages' lines of a township's 任务: how many villages, how many tasks not 交齐 and overdue,
 * and the worst few (the digest's and the township page's ranking, turned round) that still owe.
 */
export function villagesLines(villages: readonly VillageCounts[], words: ChildWords): string[] {
  const n = `下属 ${villages.length} 个${words.children}`;
  const owing = (v: VillageCounts) => v.total - v.complete - v.waived;
  const left = villages.reduce((n, v) => n + owing(v), 0);
  const overdue = villages.reduce((n, v) => n + v.overdue, 0);
  if (left === 0) return [`${n}的任务都已交齐或免交 👍`];
  const worst = worstFirst(villages)
    .filter((v) => v.percent !== null && owing(v) > 0)
    .slice(0, WORST_SHOWN)
    .map((v) => `${v.name} ${v.percent}%${v.overdue > 0 ? `（逾期 ${v.overdue} 项）` : ''}`);
  return [
    `${n}还有 **${left}** 项任务没交齐，` + (overdue > 0 ? `其中逾期 **${overdue}** 项。` : '没有逾期的。'),
    `最需要督促：${worst.join('、')}`,
  ];
}
