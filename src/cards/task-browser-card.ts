import { FILE, FILE_FIND, FILE_HOUSEHOLD, FILE_SELECT, REOPEN } from './actions.js';
import { button, buttonRow, card, esc, hr, md, selectMenu, shortDate, wideButton } from './card-kit.js';

/** An open task as the filing card offers it. */
export interface FilingChoice {
  taskId: number;
  code: string;
  /** Short enough for a phone: 「张三户·危房改造前后照片」 (domain/task-label.ts). */
  label: string;
  dueAt: Date;
  missingText: string;
  reasons?: string[];
}

/** A household with open tasks (一户一档), for the household menu. */
export interface HouseholdChoice {
  id: number;
  /** 「张三户」, with the household code when two heads share a name. */
  label: string;
  /** The household's code in its village (12). */
  code: string;
  open: number;
}

/** At most this many task buttons on one card (each ~0.4 KB); more go into menus. */
export const MAX_TASK_BUTTONS = 30;
/** Lark's select menus are read on a phone: keep each to 100 options, as many menus as needed. */
export const MENU_OPTIONS = 100;

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** One task: a full-width button that files the burst, and a grey line under it. */
export function taskButton(
  c: FilingChoice,
  at: { b: number; r: number },
  timeZone: string,
  type: 'primary' | 'default' = 'default',
): object[] {
  const reasons = c.reasons?.length ? ` · ${esc(c.reasons.join('、'))}` : '';
  return [
    wideButton(c.label, FILE.value({ b: at.b, t: c.taskId, r: at.r }), type),
    md(
      `<font color='grey'>${esc(c.code)} · ${esc(c.missingText)} · 截止 ${shortDate(c.dueAt, timeZone)}${reasons}</font>`,
    ),
  ];
}

/** Tasks as menus of up to 100 (choosing one files the burst). */
export function taskMenus(
  placeholder: string,
  tasks: readonly FilingChoice[],
  at: { b: number; r: number },
): object[] {
  const parts = chunks(tasks, MENU_OPTIONS);
  return parts.map((part, i) =>
    selectMenu(
      parts.length > 1 ? `${placeholder}（第${i + 1}页）` : placeholder,
      part.map((o) => ({ text: o.label, value: String(o.taskId) })),
      FILE_SELECT.value({ b: at.b, r: at.r }),
    ),
  );
}

/** The search form: a household head's name, a task code or a word of the title. */
export function findForm(at: { b: number; r: number }, query?: string): object {
  return {
    tag: 'form',
    name: `find_${at.b}`,
    elements: [
      {
        tag: 'input',
        name: 'q',
        placeholder: { tag: 'plain_text', content: '或输入户主姓名、编码、关键词' },
        max_length: 40,
        width: 'fill',
        ...(query ? { default_value: query } : {}),
      },
      {
        tag: 'button',
        text: { tag: 'plain_text', content: '查找' },
        type: 'default',
        width: 'fill',
        form_action_type: 'submit',
        name: 'find',
        behaviors: [{ type: 'callback', value: FILE_FIND.value({ b: at.b, r: at.r }) }],
      },
    ],
  };
}

/**
 * The filing card's second state: the open tasks of one household, of the unit itself, or those a
 * search found, each one tap from being filed; 返回 goes back to the suggestions.
 */
export function browseTasksCard(input: {
  burstId: number;
  round: number;
  summary: string;
  heading: string;
  tasks: FilingChoice[];
  query?: string;
  timeZone: string;
}): object {
  const at = { b: input.burstId, r: input.round };
  const elements: object[] = [md(esc(input.summary))];
  if (input.tasks.length === 0) {
    elements.push(md(`**${esc(input.heading)}**\n没有找到待交的任务。`));
  } else {
    elements.push(md(`**${esc(input.heading)}**（${input.tasks.length}项）点一下即可`));
    if (input.tasks.length <= MAX_TASK_BUTTONS)
      for (const t of input.tasks) elements.push(...taskButton(t, at, input.timeZone));
    else elements.push(...taskMenus('选择任务…', input.tasks, at));
  }
  elements.push(
    findForm(at, input.query),
    hr(),
    buttonRow([button('返回', REOPEN.value({ b: input.burstId }))]),
  );
  return card(input.heading, 'blue', elements, { summary: `收到材料，请选择任务：${input.heading}` });
}

/** Households as menus of up to 100 (choosing one opens its tasks). */
export function householdMenus(
  households: readonly HouseholdChoice[],
  at: { b: number; r: number },
): object[] {
  const parts = chunks(households, MENU_OPTIONS);
  return parts.map((part, i) =>
    selectMenu(
      parts.length > 1 ? `按户选择（第${i + 1}页）…` : '按户选择…',
      part.map((h) => ({ text: `${h.label}（${h.open}项）`, value: String(h.id) })),
      FILE_HOUSEHOLD.value(at),
    ),
  );
}

/**
 * One page of a large village's households (the filing card shows only the pages when all its
 * households would not fit): a menu of up to 100, each opening that household's tasks.
 */
export function householdPageCard(input: {
  burstId: number;
  round: number;
  summary: string;
  heading: string;
  households: HouseholdChoice[];
}): object {
  const at = { b: input.burstId, r: input.round };
  return card(
    input.heading,
    'blue',
    [
      md(esc(input.summary)),
      md(`**${esc(input.heading)}**（${input.households.length}户）选一户，再选任务`),
      ...householdMenus(input.households, at),
      findForm(at),
      hr(),
      buttonRow([button('返回', REOPEN.value({ b: input.burstId }))]),
    ],
    { summary: `收到材料，请选择任务：${input.heading}` },
  );
}

/** 「01–100号户」: a page of households by code. */
export const householdPageLabel = (page: readonly HouseholdChoice[]): string =>
  page.length === 0 ? '' : `${page[0]!.code}–${page[page.length - 1]!.code}号户`;
