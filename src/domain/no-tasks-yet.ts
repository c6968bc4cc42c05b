import type { NoOpenTask, WorkLeft } from './task-list-state.js';
import type { VillageWord } from './village-word.js';
import { TOWNSHIP_OWN_LINE, townshipHelp, townshipOwnMaterials } from './township-chat.js';

/**
 * What the bot says of the materials a chat received while its unit has no open task (task-list-state.ts):
 * they are kept either way. Before its first 任务清单 (a new village) no task can be chosen
 * until the county gives it (`campaigns create`); the officer's way there is their archivist. Once every
 * task is waived (免交) there is nothing to wait for: what needs no filing is 不用交, and what belongs to a
 * task needs that task restored (the archivist's `archive waive --reopen`), after which 未归档 offers it.
 * A township with no task of its own waits for nothing: its materials are its own archive (township-chat.ts).
 */
const KEPT = (unit: string) => `${unit}还没有要交材料的任务，材料已保存好。`;

/** The filing card's line: what comes next, and what 不用交 is for. */
const NO_TASKS_YET_CARD = `${KEPT('本单位')}任务下发后，我会再发选择卡片，也可以发送「@归档助手 未归档」自己选；不用交的材料点「不用交」。`;

/** Why nothing can be chosen yet, whom to ask, and that the card comes by itself later. */
const WAIT = (unit: string) =>
  `要等县里给${unit}下发任务清单后才能选任务（可以问问档案员），下发后我会再发选择卡片。`;

/** 任务, 缺什么 and 进度 where no task was ever given (not 「没有未完成的任务 👍」, which reads as all done). */
export const NO_TASK_LIST_YET = `本单位还没有要交材料的任务。发到群里的材料都会保存好，${WAIT('本单位')}`;

/** Every task of the unit waived: the truth, and no waiting for a 任务清单 that already came. */
const ALL_WAIVED = (unit: string) => `${unit}的任务都已免交，没有可选的任务，材料已保存好。`;
const RESTORE = '如果是某项任务的材料，请档案员恢复这项任务';

/**
 * What a chat with nothing to choose is told, per reason (task-list-state.ts): `card` the filing card's
 * line, `choose` why nothing can be chosen (未归档, 选任务, 分开交, the bound card; `unitName` in a direct
 * chat with the bot, which is no group: the unit named instead of 本单位 / 本群), `help` 帮助's first
 * paragraph after 「我会自动保存原件并登记。」 (a township's is townshipHelp, told its audience),
 * `line` one line of a 未归档 list mixing chats.
 */
const NO_OPEN_TASK_TEXTS: Record<
  NoOpenTask['kind'],
  {
    card: (v: VillageWord) => string;
    choose: (v: VillageWord, unit?: string) => string;
    help: (v: VillageWord) => string;
    line: string;
  }
> = {
  not_given: {
    card: () => NO_TASKS_YET_CARD,
    choose: (_, unit = '本单位') => `${KEPT(unit)}${WAIT(unit)}`,
    help: () => NO_TASK_LIST_YET,
    line: '这个群的单位还没有任务，材料已保存好，先不用选。',
  },
  all_waived: {
    card: () =>
      `${ALL_WAIVED('本单位')}不用交的材料点「不用交」；${RESTORE}，再发送「@归档助手 未归档」选任务。`,
    choose: (_, unit = '本单位') => `${ALL_WAIVED(unit)}${RESTORE}，恢复后就能选任务。`,
    help: () => `本单位的任务都已免交，现在不用交材料。发到群里的材料都会保存好；${RESTORE}。`,
    line: '这个群的单位的任务都已免交，材料已保存好，先不用选。',
  },
  township: {
    card: (v) => townshipOwnMaterials(v),
    choose: (v, unit) => townshipOwnMaterials(v, unit),
    help: (v) => townshipHelp(v),
    line: TOWNSHIP_OWN_LINE,
  },
};

/** What a township's villages are called (only a township's texts name them). */
const villagesOf = (s: NoOpenTask): VillageWord => (s.kind === 'township' ? s.villages : '村');

export const noOpenTaskCard = (s: NoOpenTask): string => NO_OPEN_TASK_TEXTS[s.kind].card(villagesOf(s));
/** `unitName`: the chat's unit, named in a direct chat with the bot (no 本单位, 本群 there). */
export const noOpenTaskChoose = (s: NoOpenTask, unitName?: string): string =>
  NO_OPEN_TASK_TEXTS[s.kind].choose(villagesOf(s), unitName);
export const noOpenTaskHelp = (s: NoOpenTask): string => NO_OPEN_TASK_TEXTS[s.kind].help(villagesOf(s));
export const noOpenTaskLine = (s: NoOpenTask): string => NO_OPEN_TASK_TEXTS[s.kind].line;

/**
 * 任务 and 缺什么 where every task under the unit is 交齐 or 免交: said with the counts. Not 「都已齐全」
 * for tasks waived, nor 「还没有任务清单」 for a list that came and is done.
 */
export function allDoneText(w: Extract<WorkLeft, { kind: 'all_done' }>): string {
  if (w.waived === 0) return `本单位的任务都已交齐 👍（共 ${w.total} 项）`;
  if (w.complete === 0) return `本单位的任务都已免交，不用再交材料（共 ${w.total} 项）。`;
  return `本单位的任务都已交齐或免交 👍（交齐 ${w.complete} 项，免交 ${w.waived} 项）`;
}
