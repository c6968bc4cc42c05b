import { DESCRIBE_EDIT, FILED_VIEW, FIX, REOPEN, SKIP, SPLIT, UNDO } from './actions.js';
import {
  button,
  buttonRow,
  card,
  cardBytes,
  CARD_LIMIT_BYTES,
  esc,
  hr,
  linkButton,
  md,
  wideButton,
} from './card-kit.js';
import type { ButtonValue } from '../domain/card-action-type.js';
import { noOpenTaskCard } from '../domain/no-tasks-yet.js';
import type { NoOpenTask } from '../domain/task-list-state.js';
import { describeItemForm } from './describe-item-card.js';
import {
  filingBrowser,
  needsHouseholdPages,
  otherTasks,
  taskButton,
  type FilingChoice,
  type HouseholdChoice,
} from './task-browser-card.js';

export type { FilingChoice, HouseholdChoice } from './task-browser-card.js';

/**
 * The burst's acknowledgment as a filing card: what arrived, up to five suggested tasks (one tap
 * files the whole burst), then every other open task within two taps: the households named in the
 * caption, a menu of households (each opens that household's tasks), the unit's own tasks (a menu,
 * or a button opening them when there are many), a search box, and 不用交.
 */
export function filingCard(input: {
  burstId: number;
  /** The burst's filing round (filingRoundOfBurst): its buttons carry it. */
  round: number;
  summary: string;
  caption: string | null;
  /** Why the card was drawn again (a tap on a task waived meanwhile): shown under the summary. */
  notice?: string;
  unitName: string;
  suggestions: FilingChoice[];
  /** Households with open tasks, in code order. */
  households: HouseholdChoice[];
  /** Households whose head the caption or the sender's nearby text names. */
  named: HouseholdChoice[];
  /** The unit's own open tasks (not a household's) not among the suggestions. */
  unitTasks: FilingChoice[];
  /** 2 to 9 files: 分开交 lists them on one card, each with its own tasks. */
  splittable?: boolean;
  /** More files than 分开交 takes (`max`): the card says so before a tap files them all to one task. */
  tooManyToSplit?: { files: number; max: number };
  /** Why the unit has no open task (none given yet, or all waived): the card's line when it offers none. */
  noOpenTask?: NoOpenTask;
  /** 返回: the card this one was opened from (a part's card, from the parts card's 其他任务). */
  back?: ButtonValue;
  timeZone: string;
}): object {
  // Beyond two menus of households (or past Lark's card size), pages of 100 households instead.
  if (needsHouseholdPages(input.households)) return filingCardOf(input, true);
  const full = filingCardOf(input, false);
  return cardBytes(full) <= CARD_LIMIT_BYTES ? full : filingCardOf(input, true);
}

function filingCardOf(input: Parameters<typeof filingCard>[0], compact: boolean): object {
  const b = input.burstId;
  const at = { b, r: input.round };
  const values = filingBrowser(at);
  const lines = [esc(input.summary)];
  if (input.caption) lines.push(`说明：${esc(input.caption.slice(0, 200))}`);
  if (input.notice) lines.push(`<font color='orange'>${esc(input.notice)}</font>`);
  const elements: object[] = [md(lines.join('\n'))];
  const others = input.households.length > 0 || input.unitTasks.length > 0;
  const none = input.suggestions.length === 0 && !others;
  if (input.suggestions.length > 0) {
    elements.push(md(`**交到哪项任务？**（${esc(input.unitName)}）点一下即可`));
    for (const s of input.suggestions) elements.push(...taskButton(s, values, input.timeZone, 'primary'));
  } else if (none) {
    // Kept, and chased again once the unit has a task: 不用交 is not the only way forward.
    elements.push(md(noOpenTaskCard(input.noOpenTask ?? { kind: 'not_given' })));
  }
  for (const h of input.named.slice(0, 3))
    elements.push(wideButton(`${h.label}的全部任务（${h.open}项）`, values.browse(h.id)));
  if (others) elements.push(md('**其他任务**'));
  // Every household's tasks are two taps away: choose the household, then the task (three taps
  // through pages of 100 households when the menus would not fit on the card).
  elements.push(...otherTasks(input, values, compact));
  elements.push(
    hr(),
    buttonRow([
      ...(input.splittable ? [button('分开交', SPLIT.value(at))] : []),
      button('不用交', SKIP.value({ b })),
      ...(input.back ? [button('返回', input.back)] : []),
    ]),
  );
  if (input.splittable)
    elements.push(md("<font color='grey'>不是同一项任务的材料？点「分开交」，每个文件单独选任务。</font>"));
  else if (input.tooManyToSplit !== undefined)
    elements.push(
      md(
        `<font color='grey'>这组有 ${input.tooManyToSplit.files} 个文件，点一项任务就全部交到这一项。` +
          `不是同一项任务的，请点「不用交」，再分几次发送，每次不超过 ${input.tooManyToSplit.max} 个。</font>`,
      ),
    );
  // No task to choose yet: the title does not ask for one either.
  const title = none ? '收到材料，已保存' : '收到材料，请选择交到哪项任务';
  return card(title, 'blue', elements, { summary: `${title}（${input.unitName}）` });
}

/** After a click: the result, with 撤销 (24 hours, asks first) and 更正 (an archivist's corrections, 申请更正 after). */
export function filedCard(input: {
  burstId: number;
  itemId: number;
  summary: string;
  taskLabel: string;
  progressText: string;
  /** Files the task does not count (a PDF filed to a photo task), and what to do: uncountedNote. */
  uncounted?: string;
  filedByName?: string;
  undoable: boolean;
  /** A photo group just filed: ask for its DA/T 50 description (事由 / 地点 / 人物), optional. */
  askDescription?: boolean;
  /** The form's values to start from (what the caption already says, or what was saved). */
  descriptionDraft?: { reason?: string | null; place?: string | null; people?: string | null };
  /** What was saved when the form is drawn (修改说明): only a field changed from it is saved or cleared. */
  descriptionSaved?: { reason?: string | null; place?: string | null; people?: string | null };
  /** After 保存照片说明: the saved description as one line (the form is folded away). */
  savedDescription?: string;
  /** The item's web page (PUBLIC_URL set): a 查看 button. */
  pageUrl?: string;
}): object {
  const elements: object[] = [
    md(`${esc(input.summary)}\n\n✅ 已交到 **${esc(input.taskLabel)}**\n${esc(input.progressText)}`),
  ];
  if (input.uncounted) elements.push(md(`⚠️ ${esc(input.uncounted)}`));
  if (input.filedByName) elements.push(md(`<font color='grey'>提交人：${esc(input.filedByName)}</font>`));
  elements.push(
    buttonRow([
      ...(input.undoable
        ? [button('撤销', UNDO.value({ b: input.burstId, i: input.itemId }), 'danger')]
        : []),
      button(input.undoable ? '更正' : '申请更正', FIX.value({ i: input.itemId })),
      ...(input.pageUrl ? [linkButton('查看', input.pageUrl)] : []),
    ]),
  );
  if (input.askDescription)
    elements.push(
      hr(),
      md('请写明照片的事由、地点、人物（时间取自照片本身）。可以不填，但会记为缺少说明：'),
      describeItemForm(input.itemId, input.descriptionDraft, input.descriptionSaved),
    );
  else if (input.savedDescription)
    elements.push(
      hr(),
      md(`📝 ${esc(input.savedDescription)}`),
      buttonRow([button('修改说明', DESCRIBE_EDIT.value({ i: input.itemId }))]),
    );
  return card('材料已提交', 'green', elements);
}

/** 撤销 asks once more: one stray tap must not take a filing back. */
export function confirmUndoCard(input: {
  burstId: number;
  itemId: number;
  summary: string;
  taskLabel: string;
}): object {
  return card(
    '确定撤销？',
    'red',
    [
      md(
        `${esc(input.summary)}\n\n撤销后这组材料不再算作 **${esc(input.taskLabel)}** 的材料，可以重新选择任务。`,
      ),
      buttonRow([
        button('确定撤销', UNDO.value({ b: input.burstId, i: input.itemId, sure: 1 }), 'danger'),
        button('不撤销', FILED_VIEW.value({ b: input.burstId })),
      ]),
    ],
    { summary: `确定撤销提交到${input.taskLabel}的材料？` },
  );
}

/** Set aside (不用交): who marked it, and the way back (重新选择任务, open to whoever may file). */
export function skippedCard(input: { burstId: number; summary: string; by?: string }): object {
  return card('材料已保存，没有交到任务里', 'grey', [
    md(`${esc(input.summary)}\n\n${setAsideLine(input.by)}。要交的话点「重新选择任务」。`),
    buttonRow([button('重新选择任务', REOPEN.value({ b: input.burstId }))]),
  ]);
}

/** 「张会计已标记为不用交（原件已保存）」, unnamed when the marker cannot be named. */
export const setAsideLine = (by: string | undefined): string =>
  `${by ? esc(by) : ''}已标记为不用交（原件已保存）`;

/** A chat not bound to a unit yet: the materials are safe, filing waits for the binding. */
export function unboundCard(summary: string): object {
  return card('收到材料', 'blue', [
    md(
      `${esc(summary)}\n\n本群还没有绑定单位，暂时不能交到任务里。把我拉进群的本单位工作人员（或管理员）发送「@归档助手 绑定 村名」即可绑定。`,
    ),
  ]);
}

/**
 * Materials posted in a leaders' chat (a unit's `digestChat`, rightly bound to none): kept, and the way
 * to hand them in is the unit's work group, never binding this chat. `leadersChat`: 「本群是甲镇的领导群」.
 */
export function leadersChatCard(summary: string, leadersChat: string): object {
  return card('收到材料', 'blue', [
    md(
      `${esc(summary)}\n\n${esc(leadersChat)}，材料已保存，但不在这里交到任务里。要交的话，请转发到本村（本单位）的工作群。`,
    ),
  ]);
}

/** How files sent in a direct chat reach a task (this card, and the chase a working day later). */
export const FORWARD_TO_GROUP =
  '请把它们逐条转发（不要用「合并转发」）到本村（本单位）的工作群，再在群里选择交到哪项任务。';

/**
 * Materials sent to the bot in a direct chat: kept, but a direct chat belongs to no unit (and cannot be
 * bound), so the way to hand them in is to forward them to the unit's work group.
 */
export function directChatCard(summary: string, o: { saving?: boolean; allRepeats?: boolean } = {}): object {
  // Every file is one the sender already sent to a work group: forwarding it there again would only
  // make a second copy. One by one: Lark does not always let the bot download files inside a 合并转发.
  const next = o.allRepeats
    ? '这些文件之前已经收到过，不用再转发到工作群。'
    : `私聊里不能交到任务里：${FORWARD_TO_GROUP}`;
  return card('收到材料', 'blue', [
    md(`${esc(summary)}\n\n${o.saving ? '材料正在保存。' : '材料已保存。'}${next}`),
  ]);
}

/**
 * A burst of which nothing was saved (empty, too large, not downloadable, failed): what to send again,
 * and no task to choose, since there is nothing to hand in.
 */
export function nothingSavedCard(
  summary: string,
  o: { hints?: boolean; direct?: boolean; back?: ButtonValue } = {},
): object {
  // Without a file at all (a merged forward of texts only, or one whose contents could not be read)
  // the summary has no line to follow: say what to send instead. In a direct chat nothing can be
  // handed in (there is no task to choose): the files go to the work group.
  const next =
    (o.hints ?? true)
      ? o.direct
        ? '请按上面的提示，把材料重新发到本村（本单位）的工作群，再在群里选择交到哪项任务。'
        : '请按上面的提示重新发送，保存好后再选择交到哪项任务。'
      : o.direct
        ? '这条消息里没有可以保存的照片或文件。要交材料，请把照片或文件直接发到本村（本单位）的工作群。'
        : '这条消息里没有可以保存的照片或文件。要交材料，请直接发送照片或文件。';
  return card('材料没有保存成功', 'orange', [md(`${esc(summary)}\n\n${next}`), ...backRow(o.back)], {
    summary: '材料没有保存成功，请重新发送',
  });
}

/** 返回 to the card this one was opened from (a part's, from the parts card's 其他任务), if any. */
const backRow = (back: ButtonValue | undefined): object[] =>
  back ? [buttonRow([button('返回', back)])] : [];

/**
 * Every file of the burst was recalled (撤回): nothing is left to hand in, so the card says so and
 * offers no task (its earlier copies are patched to this, and a tap on one draws it).
 */
/** A burst whose files all sit in another live item (并入 / 移出): where they are, no task to choose, no 撤销. */
export function filedElsewhereCard(text: string): object {
  return card('已归入其他件', 'grey', [md(esc(text))], { summary: text });
}

export function withdrawnCard(counts: string, back?: ButtonValue): object {
  const what = counts ? `这组材料（${counts}）` : '这组材料';
  return card(
    '材料已撤回',
    'grey',
    [md(`${esc(what)}已被撤回，不再归档，不用选择任务。`), ...backRow(back)],
    {
      summary: '材料已撤回，不用选择任务',
    },
  );
}
