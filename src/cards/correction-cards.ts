import {
  FIX,
  FIX_ANSWER,
  FIX_BROWSE,
  FIX_DESCRIBE,
  FIX_DROP,
  FIX_FIND,
  FIX_HOUSEHOLD,
  FIX_HOUSEHOLDS,
  FIX_REFILE,
  FIX_REQUEST,
  FIX_UNCONFIRM,
  FIX_UNFILE,
  FIX_WAIVE,
} from './actions.js';
import type { ButtonValue } from '../domain/card-action-type.js';
import { drawnMark } from '../domain/drawn-field.js';
import { transferredWarning } from '../domain/transfer-changes.js';
import { button, buttonRow, card, cardBytes, CARD_LIMIT_BYTES, esc, hr, linkButton, md } from './card-kit.js';
import {
  needsHouseholdPages,
  otherTasks,
  type BrowserValues,
  type FilingChoice,
  type HouseholdChoice,
} from './task-browser-card.js';

/** What the correction cards say about one filed item (built from the item and its task). */
export interface ItemFacts {
  itemId: number;
  /** 「C02 识别公示照片」 or 「H01-02 李四户 危房改造照片」 */
  taskLabel: string;
  /** 3张照片、1份文件 */
  counts: string;
  filedByName: string;
  /** 5月6日 10:20 (with the year when not the current one) */
  filedAt: string;
  /** Its live 档号 (archivists only see this). */
  archivalCode: string | null;
  /** 12月6日: the day a 移交包 carried that 档号 (then 撤销确认 needs a correction sent to the archive). */
  transferredOn?: string;
}

/**
 * An item's lines: its task and files, then who filed it when. The 查 list (`withCode`) leads that grey
 * line with a confirmed item's 档号 (查 finds by 档号, so the archivist sees which is which); an item not
 * confirmed gets nothing there, so no line is added on a phone.
 */
const factsLine = (f: ItemFacts, withCode = false) =>
  `**${esc(f.taskLabel)}** · ${esc(f.counts)}\n<font color='grey'>${
    withCode && f.archivalCode ? `档号 ${esc(f.archivalCode)} · ` : ''
  }${esc(f.filedByName)} ${esc(f.filedAt)} 提交</font>`;

/**
 * The task browser of the correction card: choosing a task refiles item `i` (改归); 返回 goes back to
 * the correction card. Every step carries `r`, the approved 申请更正 the card was opened for, if any.
 */
export const refileBrowser = (i: number, r: RequestMark): BrowserValues => {
  const v = { i, ...forRequest(r) };
  return {
    task: (t) => FIX_REFILE.value({ ...v, t }),
    taskMenu: FIX_REFILE.value(v),
    householdMenu: FIX_HOUSEHOLD.value(v),
    browse: (h) => FIX_BROWSE.value({ ...v, h }),
    page: (p) => FIX_HOUSEHOLDS.value({ ...v, p }),
    find: FIX_FIND.value(v),
    back: FIX.value({ i, ...(typeof r === 'number' ? { r } : {}) }),
    formName: `refile_${i}`,
    prompt: '改归',
  };
};

/**
 * Which approved 申请更正 a correction card's 改归, 撤下, 免交 and 撤销确认 carry out: the one it was
 * opened for (its id), `'none'` (a card not opened for one), or undefined: a card drawn before cards
 * named it (its value carried neither), which acts on the item's one approved request.
 */
export type RequestMark = number | 'none' | undefined;

/** A button's `r` (the approved 申请更正 its card was opened for), or `nr` when the card was not. */
const forRequest = (r: RequestMark) => (r === undefined ? {} : r === 'none' ? { nr: 1 as const } : { r });

/** Where an item can move to (改归): the unit's other open tasks, by household and the unit's own. */
export interface RefileChoices {
  unitName: string;
  /** Households with open tasks other than the item's, in code order. */
  households: HouseholdChoice[];
  /** The unit's own open tasks (not a household's) other than the item's. */
  unitTasks: FilingChoice[];
}

/** The line at the top of the 改归 browser: what is being moved. */
export const refileSummary = (f: ItemFacts): string => `改归：${f.taskLabel}（${f.counts}）`;

/** The 著录 the correction card corrects (as saved, or what the item goes by when none was). */
export interface DrawnDescription {
  title: string;
  responsible: string;
  /** YYYYMMDD */
  date: string;
  docNumber: string;
}

/** What the correction card is drawn with besides the item. */
export interface CorrectionCardOptions {
  /** A line above the corrections (what was just done, or why the card opened). */
  note?: string;
  /** Its 更正著录 form, filled with the 著录 as it is. */
  description: DrawnDescription;
  /** The approved 申请更正 it was opened for: its 更正著录 carries it out; 不用改了 closes it. */
  request?: number;
  /** The item page (PUBLIC_URL set): the rest of the 著录 (页数, 密级, 备注) is corrected there. */
  pageUrl?: string;
  /** The item page's 移出 / 并入 (PUBLIC_URL set): files split out into a new 件, or another 件 merged in. */
  regroupUrl?: string;
}

/**
 * The archivist's correction card for one item: 改归 (every other open task of the unit within three
 * taps, through the filing card's browser: household menu or pages, the unit's own tasks, search),
 * 撤下 (asks again first), 免交 (the item's task, with a reason), and 更正著录 (题名 / 责任者 / 日期 /
 * 文号, and the item page for the rest). A confirmed item keeps 更正著录 (its 档号 stays); 改归, 撤下 and
 * 免交 give way to 撤销确认 (a form with the reason), after which the item can be corrected. Opened for
 * an approved 申请更正, it also offers 不用改了.
 */
export function correctionCard(f: ItemFacts, choices: RefileChoices, opts: CorrectionCardOptions): object {
  if (needsHouseholdPages(choices.households)) return correctionCardOf(f, choices, opts, true);
  const full = correctionCardOf(f, choices, opts, false);
  return cardBytes(full) <= CARD_LIMIT_BYTES ? full : correctionCardOf(f, choices, opts, true);
}

function correctionCardOf(
  f: ItemFacts,
  choices: RefileChoices,
  opts: CorrectionCardOptions,
  compact: boolean,
): object {
  const i = f.itemId;
  const mark = opts.request ?? 'none';
  const r = forRequest(mark);
  const elements: object[] = [md(factsLine(f))];
  if (opts.note) elements.push(md(esc(opts.note)));
  const describe = [
    hr(),
    md('**更正著录**（清空的项不会删除，文号除外：清空表示没有文号）'),
    describeForm(i, opts.description, opts.request),
    ...(opts.pageUrl ? [buttonRow([linkButton('打开件的页面（页数、密级、备注等）', opts.pageUrl)])] : []),
  ];
  const drop = opts.request
    ? [
        hr(),
        reasonForm({
          form: `drop_${opts.request}`,
          label: '原因',
          placeholder: '如：已当面说明，不需要改（可不填）',
          button: {
            name: 'drop',
            text: '不用改了',
            type: 'default',
            value: FIX_DROP.value({ r: opts.request }),
          },
        }),
      ]
    : [];
  if (f.archivalCode) {
    elements.push(
      md(
        `已确认归档（档号 ${esc(f.archivalCode)}）。著录（题名、责任者、日期、文号）可以直接在下面更正，档号不变。`,
      ),
      ...describe,
      hr(),
      md(
        '改归、撤下或免交才需要先撤销确认：这个档号停用（目录中保留并注明，不再使用），改好后再确认归档时编新档号。',
      ),
      ...(f.transferredOn
        ? [md(`<font color='red'>${esc(transferredWarning(f.transferredOn, f.archivalCode))}</font>`)]
        : []),
      reasonForm({
        form: `unconfirm_${i}`,
        label: '撤销原因',
        placeholder: '如：交错了任务，需要改归',
        button: {
          name: 'unconfirm',
          text: '撤销确认',
          type: 'danger',
          value: FIX_UNCONFIRM.value({ i, ...r }),
        },
      }),
      ...drop,
    );
    return card('更正', 'orange', elements, { summary: `更正：${f.taskLabel}` });
  }
  if (choices.households.length > 0 || choices.unitTasks.length > 0)
    elements.push(
      md('**改归**到本单位另一项任务：'),
      ...otherTasks(choices, refileBrowser(i, mark), compact),
    );
  elements.push(
    hr(),
    buttonRow([button('撤下这件材料', FIX_UNFILE.value({ i, ...r }), 'danger')]),
    ...(opts.regroupUrl
      ? [
          hr(),
          md('**分件或合件**：几份材料交成了一件，或一份材料分两次交成了两件'),
          buttonRow([linkButton('到件的页面移出或并入', opts.regroupUrl)]),
        ]
      : []),
    hr(),
    reasonForm({
      form: `waive_${i}`,
      label: '免交原因',
      placeholder: '如：该户已搬迁，无需此项材料',
      button: { name: 'waive', text: '这项任务免交', type: 'default', value: FIX_WAIVE.value({ i, ...r }) },
    }),
    ...describe,
    ...drop,
  );
  return card('更正', 'orange', elements, { summary: `更正：${f.taskLabel}` });
}

/**
 * The longest each 著录 field may be (characters), as describeItem saves it: its 200 for any text, and
 * the catalogue's FIELD_LIMITS below that (责任者 100, 文号 50); a date is 8 digits, typed with
 * separators at most 10.
 */
const DESCRIBE_LIMITS = { title: 200, responsible: 100, date: 10, docNumber: 50 } as const;

/**
 * 更正著录 (题名 / 责任者 / 日期 / 文号), filled with the 著录 as it is; submits `fix-describe` with the
 * marks of what it was drawn with (drawnMark), so a stale form saves or clears only what was changed on
 * it, never what was saved since elsewhere.
 */
function describeForm(itemId: number, d: DrawnDescription, request?: number): object {
  const field = (name: keyof DrawnDescription, label: string, placeholder: string): object => ({
    tag: 'input',
    name,
    label: { tag: 'plain_text', content: label },
    label_position: 'left',
    placeholder: { tag: 'plain_text', content: placeholder },
    // A value saved before this limit (or read from a caption) is still drawn whole.
    max_length: Math.max(DESCRIBE_LIMITS[name], Array.from(d[name]).length),
    width: 'fill',
    ...(d[name] ? { default_value: d[name] } : {}),
  });
  const marks = {
    t: drawnMark(d.title),
    p: drawnMark(d.responsible),
    d: drawnMark(d.date),
    n: drawnMark(d.docNumber),
  };
  return {
    tag: 'form',
    name: `describe_fix_${itemId}`,
    elements: [
      field('title', '题名', '这件材料的题名'),
      field('responsible', '责任者', '如：城关镇人民政府'),
      field('date', '日期', '如 20250305'),
      field('docNumber', '文号', '如：城政〔2025〕12号'),
      {
        tag: 'button',
        text: { tag: 'plain_text', content: '保存著录' },
        type: 'primary',
        width: 'fill',
        form_action_type: 'submit',
        name: 'describe',
        behaviors: [
          {
            type: 'callback',
            value: FIX_DESCRIBE.value({
              i: itemId,
              ...(request ? { r: request } : {}),
              ...Object.fromEntries(Object.entries(marks).filter(([, m]) => m !== undefined)),
            }),
          },
        ],
      },
    ],
  };
}

/** A form of one reason field and its submit button (免交, 撤销确认, 不用改了): the reason arrives as `reason`. */
function reasonForm(o: {
  form: string;
  label: string;
  placeholder: string;
  button: { name: string; text: string; type: 'default' | 'danger'; value: object };
}): object {
  return {
    tag: 'form',
    name: o.form,
    elements: [
      {
        tag: 'input',
        name: 'reason',
        label: { tag: 'plain_text', content: o.label },
        label_position: 'left',
        placeholder: { tag: 'plain_text', content: o.placeholder },
        max_length: 100,
        width: 'fill',
      },
      {
        tag: 'button',
        text: { tag: 'plain_text', content: o.button.text },
        type: o.button.type,
        width: 'fill',
        form_action_type: 'submit',
        name: o.button.name,
        behaviors: [{ type: 'callback', value: o.button.value }],
      },
    ],
  };
}

/**
 * 撤下 asks once more: the materials stay saved and can be handed in again (`r`: the approved 申请更正
 * the correction card was opened for, carried on).
 */
export function confirmUnfileCard(f: ItemFacts, r: RequestMark): object {
  return card(
    '确定撤下？',
    'red',
    [
      md(factsLine(f)),
      md('撤下后这件材料不再算作这项任务的材料；原件仍然保存，可以重新提交。'),
      buttonRow([
        button('确定撤下', FIX_UNFILE.value({ i: f.itemId, sure: 1, ...forRequest(r) }), 'danger'),
        button('返回', FIX.value({ i: f.itemId, ...(typeof r === 'number' ? { r } : {}) })),
      ]),
    ],
    { summary: `确定撤下：${f.taskLabel}？` },
  );
}

/** The outcome of a correction, in place of the card that asked for it. */
export function correctionDoneCard(f: ItemFacts, text: string): object {
  return card('已更正', 'green', [md(factsLine(f)), md(`✅ ${esc(text)}`)], { summary: text });
}

/**
 * An officer after the 24-hour window, or once an archivist confirmed the item (`confirmed`: within the
 * 24 hours too, so 「提交已超过 24 小时」 would give the wrong reason): say what is wrong, the unit's
 * archivists decide.
 */
export function requestCorrectionCard(f: ItemFacts, o: { confirmed?: boolean } = {}): object {
  return card(
    '申请更正',
    'wathet',
    [
      md(factsLine(f)),
      md(
        `${o.confirmed ? '档案员已确认归档这件材料' : '提交已超过 24 小时'}，不能自己撤销。写明需要怎么改，档案员同意后会帮您更正：`,
      ),
      {
        tag: 'form',
        name: `request_${f.itemId}`,
        elements: [
          {
            tag: 'input',
            name: 'text',
            label: { tag: 'plain_text', content: '怎么改' },
            label_position: 'left',
            placeholder: { tag: 'plain_text', content: '如：应该交到张三户的危房改造照片' },
            max_length: 200,
            width: 'fill',
          },
          {
            tag: 'button',
            text: { tag: 'plain_text', content: '申请更正' },
            type: 'primary',
            width: 'fill',
            form_action_type: 'submit',
            name: 'request',
            behaviors: [{ type: 'callback', value: FIX_REQUEST.value({ i: f.itemId }) }],
          },
        ],
      },
    ],
    { summary: `申请更正：${f.taskLabel}` },
  );
}

/** After 申请更正: waiting for the archivist. */
export function requestSentCard(f: ItemFacts, text: string): object {
  return card(
    '已申请更正',
    'wathet',
    [md(factsLine(f)), md(`您的申请：${esc(text)}\n已发给档案员，处理后会通知您。`)],
    { summary: '已申请更正，等待档案员处理' },
  );
}

/**
 * 申请更正 tapped again while an archivist's 同意 is still to be carried out: what was asked and that it
 * is being done, no second form (a second request approved too left two open, the older one then
 * refusing 不用改了 while 查 still listed it).
 */
export function requestApprovedCard(f: ItemFacts, text: string): object {
  return card(
    '更正申请已同意',
    'wathet',
    [md(factsLine(f)), md(`申请：${esc(text)}\n档案员已同意，正在处理，改好后会通知申请人。`)],
    { summary: '更正申请已同意，正在处理' },
  );
}

/** Sent to each archivist of the unit: the item, the request, 同意 / 不同意. */
export function correctionRequestCard(
  f: ItemFacts,
  x: { requestId: number; by: string; text: string },
): object {
  return card(
    '更正申请',
    'orange',
    [
      md(factsLine(f)),
      md(`**${esc(x.by)}** 申请更正：${esc(x.text)}`),
      buttonRow([button('同意', FIX_ANSWER.value({ r: x.requestId, ok: 1 }), 'primary')]),
      // The reason goes to the requester: a bare 「没有同意」 left them nothing to act on.
      reasonForm({
        form: `answer_${x.requestId}`,
        label: '原因',
        placeholder: '不同意时写给申请人，如：核对过，没有交错（可不填）',
        button: {
          name: 'decline',
          text: '不同意',
          type: 'default',
          value: FIX_ANSWER.value({ r: x.requestId, ok: 0 }),
        },
      }),
    ],
    { summary: `${x.by}申请更正：${x.text}` },
  );
}

/** The request after an archivist answered it. */
export function requestAnsweredCard(f: ItemFacts, x: { approved: boolean; by: string }): object {
  return card(x.approved ? '已同意更正申请' : '已不同意更正申请', x.approved ? 'green' : 'grey', [
    md(factsLine(f)),
    md(`${esc(x.by)}${x.approved ? '已同意，请在下方更正' : '已不同意'}`),
  ]);
}

/** 不用改了: the approved request closed without a change, its requester told. */
export function requestDroppedCard(f: ItemFacts, reason: string): object {
  return card('已关闭更正申请', 'grey', [
    md(factsLine(f)),
    md(`不用改了${reason ? `（${esc(reason)}）` : ''}：材料没有改动，申请已关闭，已告知申请人。`),
  ]);
}

/**
 * `查 …`: a page of the matching items, newest first, each with a 更正 button. `total` counts them all,
 * `before` those on the pages before this one; while more follow, the card says how many and offers
 * 下一页 (`next`), a later page 回到第一页 (`first`), as the 未归档 list does. First, for an archivist, the
 * 申请更正 they approved and have not corrected yet (`approved`: the oldest, each with the request's
 * words and 更正 opened for that request, and how many are owed in all, the rest said to follow).
 */
export function itemListCard(input: {
  title: string;
  items: ItemFacts[];
  total: number;
  before: number;
  next: ButtonValue;
  first: ButtonValue;
  approved?: { listed: { facts: ItemFacts; text: string; requestId: number }[]; total: number };
}): object {
  const { title, items, total, before } = input;
  const approved = input.approved ?? { listed: [], total: 0 };
  const elements: object[] = [];
  if (approved.listed.length > 0) {
    elements.push(md(`**已同意、还没改好的更正申请（${approved.total}）**`));
    for (const a of approved.listed)
      elements.push(
        md(`${factsLine(a.facts, true)}\n申请：${esc(a.text)}`),
        buttonRow([button('更正', FIX.value({ i: a.facts.itemId, r: a.requestId }), 'primary')]),
      );
    const unlisted = approved.total - approved.listed.length;
    if (unlisted > 0)
      elements.push(
        md(
          `<font color='grey'>这里列出最早同意的 ${approved.listed.length} 件，还有 ${unlisted} 件：` +
            '把上面的改好或点「不用改了」后，再发「查」会列出后面的。</font>',
        ),
      );
    elements.push(hr());
  }
  if (total === 0)
    elements.push(
      md(
        '没有找到符合条件的材料。可以写任务编号、户主姓名、档号、文件名、关键词或日期，如「查 张三」「查 5月6日」。',
      ),
    );
  else if (total > items.length || before > 0)
    elements.push(
      md(
        items.length > 0
          ? `共 **${total}** 件，这是第 ${before + 1}–${before + items.length} 件：`
          : `共 **${total}** 件，后面没有了。`,
      ),
    );
  for (const f of items)
    elements.push(md(factsLine(f, true)), buttonRow([button('更正', FIX.value({ i: f.itemId }))]));
  const more = total - before - items.length;
  if (more > 0)
    elements.push(md(`<font color='grey'>还有 ${more} 件没列出，点「下一页」查看，或写得更具体些。</font>`));
  const pages = [
    ...(more > 0 ? [button('下一页', input.next)] : []),
    ...(before > 0 ? [button('回到第一页', input.first)] : []),
  ];
  if (pages.length > 0) elements.push(buttonRow(pages));
  return card(title, 'blue', elements, { summary: `${title}（${total}件）` });
}
