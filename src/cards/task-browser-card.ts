import type { ButtonValue } from '../domain/card-action-type.js';
import {
  FILE,
  FILE_BROWSE,
  FILE_FIND,
  FILE_HOUSEHOLD,
  FILE_HOUSEHOLDS,
  FILE_SELECT,
  REOPEN,
} from './actions.js';
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

/**
 * What the task browser's buttons carry. The same browser (household menu, pages of households,
 * a household's tasks, the unit's own tasks, the search box) serves the filing card, where choosing
 * a task files a burst, and the archivist's correction card, where it refiles an item (改归).
 */
export interface BrowserValues {
  /** A task button: one tap chooses that task. */
  task(taskId: number): ButtonValue;
  /** A task menu: the chosen task arrives as the click's `option`. */
  taskMenu: ButtonValue;
  /** A household menu: the chosen household arrives as the click's `option`. */
  householdMenu: ButtonValue;
  /** One household's tasks (`h`), or the unit's own tasks (0). */
  browse(h: number): ButtonValue;
  /** A page of households (`p` from 0). */
  page(p: number): ButtonValue;
  /** The search form's button. */
  find: ButtonValue;
  /** 返回: the card the browser was opened from. */
  back: ButtonValue;
  /** The search form's name (unique on the card). */
  formName: string;
  /** What the card asks, before the heading, in a notification: 「收到材料，请选择任务」. */
  prompt: string;
}

/**
 * The filing card's browser: choosing a task files burst `b` (filing round `r`). 返回 draws the filing
 * card again, or goes to `back` (a part's own filing card, on the parts card).
 */
export const filingBrowser = (at: { b: number; r: number }, back?: ButtonValue): BrowserValues => ({
  task: (t) => FILE.value({ ...at, t }),
  taskMenu: FILE_SELECT.value(at),
  householdMenu: FILE_HOUSEHOLD.value(at),
  browse: (h) => FILE_BROWSE.value({ ...at, h }),
  page: (p) => FILE_HOUSEHOLDS.value({ ...at, p }),
  find: FILE_FIND.value(at),
  back: back ?? REOPEN.value({ b: at.b }),
  formName: `find_${at.b}`,
  prompt: '收到材料，请选择任务',
});

/** At most this many task buttons on one card (each ~0.4 KB); more go into menus. */
export const MAX_TASK_BUTTONS = 30;
/** Lark's select menus are read on a phone: keep each to 100 options, as many menus as needed. */
export const MENU_OPTIONS = 100;

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** One task: a full-width button that chooses it, and a grey line under it. */
export function taskButton(
  c: FilingChoice,
  values: BrowserValues,
  timeZone: string,
  type: 'primary' | 'default' = 'default',
): object[] {
  const reasons = c.reasons?.length ? ` · ${esc(c.reasons.join('、'))}` : '';
  return [
    wideButton(c.label, values.task(c.taskId), type),
    md(
      `<font color='grey'>${esc(c.code)} · ${esc(c.missingText)} · 截止 ${shortDate(c.dueAt, timeZone)}${reasons}</font>`,
    ),
  ];
}

/** Tasks as menus of up to 100 (choosing one chooses the task). */
export function taskMenus(
  placeholder: string,
  tasks: readonly FilingChoice[],
  values: BrowserValues,
): object[] {
  const parts = chunks(tasks, MENU_OPTIONS);
  return parts.map((part, i) =>
    selectMenu(
      parts.length > 1 ? `${placeholder}（第${i + 1}页）` : placeholder,
      part.map((o) => ({ text: o.label, value: String(o.taskId) })),
      values.taskMenu,
    ),
  );
}

/** The search form: a household head's name, a task code or a word of the title. */
export function findForm(values: BrowserValues, query?: string): object {
  return {
    tag: 'form',
    name: values.formName,
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
        behaviors: [{ type: 'callback', value: values.find }],
      },
    ],
  };
}

/**
 * Every open task within two taps (three beyond 200 households): a menu of households (each opens
 * that household's tasks) or, when the menus would not fit (`compact`), buttons opening pages of
 * 100 households; the unit's own tasks as a menu, or a button opening them when there are many;
 * and the search box.
 */
export function otherTasks(
  input: { unitName: string; households: readonly HouseholdChoice[]; unitTasks: readonly FilingChoice[] },
  values: BrowserValues,
  compact: boolean,
): object[] {
  const elements: object[] = [];
  if (!compact) elements.push(...householdMenus(input.households, values));
  else
    for (let p = 0; p * MENU_OPTIONS < input.households.length; p++) {
      const page = input.households.slice(p * MENU_OPTIONS, (p + 1) * MENU_OPTIONS);
      elements.push(wideButton(`按户选择：${householdPageLabel(page)}`, values.page(p)));
    }
  const n = input.unitTasks.length;
  if (n > 0 && n <= MENU_OPTIONS && !compact)
    elements.push(...taskMenus(`${input.unitName}的任务…`, input.unitTasks, values));
  else if (n > 0) elements.push(wideButton(`${input.unitName}的任务（${n}项）`, values.browse(0)));
  if (input.households.length > 0 || n > MAX_TASK_BUTTONS) elements.push(findForm(values));
  return elements;
}

/** Beyond two menus of households the browser shows pages of 100 households instead. */
export const needsHouseholdPages = (households: readonly HouseholdChoice[]): boolean =>
  households.length > 2 * MENU_OPTIONS;

/**
 * The browser's second state: the open tasks of one household, of the unit itself, or those a
 * search found, each one tap from being chosen; 返回 goes back to the card it was opened from.
 */
export function browseTasksCard(input: {
  values: BrowserValues;
  summary: string;
  heading: string;
  tasks: FilingChoice[];
  query?: string;
  timeZone: string;
}): object {
  const { values } = input;
  const elements: object[] = [md(esc(input.summary))];
  if (input.tasks.length === 0) {
    elements.push(md(`**${esc(input.heading)}**\n没有找到待交的任务。`));
  } else {
    elements.push(md(`**${esc(input.heading)}**（${input.tasks.length}项）点一下即可`));
    if (input.tasks.length <= MAX_TASK_BUTTONS)
      for (const t of input.tasks) elements.push(...taskButton(t, values, input.timeZone));
    else elements.push(...taskMenus('选择任务…', input.tasks, values));
  }
  elements.push(findForm(values, input.query), hr(), buttonRow([button('返回', values.back)]));
  return card(input.heading, 'blue', elements, { summary: `${values.prompt}：${input.heading}` });
}

/** Households as menus of up to 100 (choosing one opens its tasks). */
export function householdMenus(households: readonly HouseholdChoice[], values: BrowserValues): object[] {
  const parts = chunks(households, MENU_OPTIONS);
  return parts.map((part, i) =>
    selectMenu(
      parts.length > 1 ? `按户选择（第${i + 1}页）…` : '按户选择…',
      part.map((h) => ({ text: `${h.label}（${h.open}项）`, value: String(h.id) })),
      values.householdMenu,
    ),
  );
}

/**
 * One page of a large village's households (the card shows only the pages when all its households
 * would not fit): a menu of up to 100, each opening that household's tasks.
 */
export function householdPageCard(input: {
  values: BrowserValues;
  summary: string;
  heading: string;
  households: HouseholdChoice[];
}): object {
  const { values } = input;
  return card(
    input.heading,
    'blue',
    [
      md(esc(input.summary)),
      md(`**${esc(input.heading)}**（${input.households.length}户）选一户，再选任务`),
      ...householdMenus(input.households, values),
      findForm(values),
      hr(),
      buttonRow([button('返回', values.back)]),
    ],
    { summary: `${values.prompt}：${input.heading}` },
  );
}

/** 「01–100号户」: a page of households by code. */
export const householdPageLabel = (page: readonly HouseholdChoice[]): string =>
  page.length === 0 ? '' : `${page[0]!.code}–${page[page.length - 1]!.code}号户`;
