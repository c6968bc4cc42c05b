/**
 * What the bot says of the materials a chat received while its unit has no open task yet (a township,
 * a village before its first 任务清单): they are kept, and no task can be chosen until the unit has its
 * 任务清单. That is given by the county (`campaigns create`); the officer's way there is their archivist.
 */
const KEPT = '本单位还没有要交材料的任务，材料已保存好。';

/** The filing card's line: what comes next, and what 不用交 is for. */
export const NO_TASKS_YET_CARD = `${KEPT}任务下发后，我会再发选择卡片，也可以发送「@归档助手 未归档」自己选；不用交的材料点「不用交」。`;

/** Why nothing can be chosen yet, whom to ask, and that the card comes by itself later. */
const WAIT = '要等县里给本单位下发任务清单后才能选任务（可以问问档案员），下发后我会再发选择卡片。';

/** 未归档 and its 选任务, 分开交 on an older card, the bound card: nothing to choose yet. */
export const NO_TASKS_YET_CHOOSE = `${KEPT}${WAIT}`;

/** 任务, 缺什么 and 进度 where no task was ever given (not 「没有未完成的任务 👍」, which reads as all done). */
export const NO_TASK_LIST_YET = `本单位还没有要交材料的任务。发到群里的材料都会保存好，${WAIT}`;
