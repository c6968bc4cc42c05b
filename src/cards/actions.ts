import { MATERIALS_BUTTON_GONE } from '../domain/materials-button-gone.js';
import { z } from 'zod';
import { defineCardAction } from '../domain/card-action-type.js';

/**
 * Every card button the bot draws, with the value it carries. Builders take a button's value from
 * here (`FILE.value({ b, t })`); the handler that declares the same type receives it parsed.
 */

const id = z.coerce.number().int().positive();
const sure = z.literal(1).optional();
/**
 * On a correction card's 改归 (its browser too), 撤下, 免交 and 撤销确认: `nr` 1, the card was not opened
 * for an approved 申请更正 (it carries none out). A value with neither `r` nor `nr` was drawn before cards
 * named their request: it carries out the item's one approved request, as every card did then.
 */
const nr = z.literal(1).optional();
const STALE = '这个按钮已失效';

/**
 * The burst's filing round when the card was drawn (how often it had been filed, undone filings
 * included): a tap from a card older than the last filing or undo is stale. Cards drawn before the
 * round existed carry none.
 */
const round = z.coerce.number().int().nonnegative().optional();

// The filing card (usecases/filing-actions.ts).
export const FILE = defineCardAction({
  name: 'file',
  value: z.object({ b: id, t: id, r: round }),
  stale: MATERIALS_BUTTON_GONE,
});
/** The task menu: the chosen task arrives as the click's `option`. */
export const FILE_SELECT = defineCardAction({
  name: 'file-select',
  value: z.object({ b: id, r: round }),
  stale: MATERIALS_BUTTON_GONE,
});
/**
 * The task browser (a second state of the filing card): one household's open tasks (`h`), or the
 * unit's own tasks (`h` = 0).
 */
export const FILE_BROWSE = defineCardAction({
  name: 'file-browse',
  value: z.object({ b: id, r: round, h: z.coerce.number().int().nonnegative() }),
  stale: MATERIALS_BUTTON_GONE,
});
/** A page of the household menu (villages whose menu would not fit on one card): page `p`, from 0. */
export const FILE_HOUSEHOLDS = defineCardAction({
  name: 'file-households',
  value: z.object({ b: id, r: round, p: z.coerce.number().int().nonnegative() }),
  stale: MATERIALS_BUTTON_GONE,
});
/** The household menu: the chosen household arrives as the click's `option`. */
export const FILE_HOUSEHOLD = defineCardAction({
  name: 'file-household',
  value: z.object({ b: id, r: round }),
  stale: MATERIALS_BUTTON_GONE,
});
/** A form: the search words (household name, task code, keyword) arrive in the click's `formValue`. */
export const FILE_FIND = defineCardAction({
  name: 'file-find',
  value: z.object({ b: id, r: round }),
  stale: MATERIALS_BUTTON_GONE,
});
/** 分开归档: each file of the burst gets its own filing card. */
export const SPLIT = defineCardAction({
  name: 'split',
  value: z.object({ b: id, r: round }),
  stale: MATERIALS_BUTTON_GONE,
});
export const SKIP = defineCardAction({
  name: 'skip',
  value: z.object({ b: id }),
  stale: MATERIALS_BUTTON_GONE,
});
export const REOPEN = defineCardAction({
  name: 'reopen',
  value: z.object({ b: id }),
  stale: MATERIALS_BUTTON_GONE,
});
export const FILED_VIEW = defineCardAction({
  name: 'filed-view',
  value: z.object({ b: id }),
  stale: MATERIALS_BUTTON_GONE,
});
/**
 * 返回 on a part's own filing card (其他任务 on the parts card opened it): the parts card again, as it
 * is now. Changes nothing.
 */
export const PARTS_VIEW = defineCardAction({
  name: 'parts-view',
  value: z.object({ b: id }),
  stale: MATERIALS_BUTTON_GONE,
});
export const UNDO = defineCardAction({
  name: 'undo',
  value: z.object({ b: id, i: id, sure }),
  stale: MATERIALS_BUTTON_GONE,
});

/** 未归档's list: send the burst's filing card again under its first message. */
export const CARD_AGAIN = defineCardAction({
  name: 'card-again',
  value: z.object({ b: id }),
  stale: MATERIALS_BUTTON_GONE,
});
/**
 * 未归档's 下一页 / 回到第一页: the list after the line of burst `p` (from the start without it); `d`
 * marks the asker's own list from a direct chat (else the chat's).
 */
export const UNFILED_PAGE = defineCardAction({
  name: 'unfiled-page',
  value: z.object({ p: id.optional(), d: sure }),
  stale: '这个按钮已失效，请重新发送「未归档」',
});

/**
 * 查's 下一页 / 回到第一页: the items of unit `u` matching the words `q` (as typed after the unit),
 * from the `o`-th on (from the first without it).
 */
export const FIND_PAGE = defineCardAction({
  name: 'find-page',
  value: z.object({
    u: id,
    q: z.string().max(100).optional(),
    o: z.coerce.number().int().positive().optional(),
  }),
  stale: '这个按钮已失效，请重新发送「查」',
});

// Corrections (usecases/correction-actions.ts).
/**
 * 更正 item `i`: the correction card. `r`: the approved 申请更正 it was opened for (the request's card,
 * the 查 list's owed ones), which its 更正著录 carries out and its 不用改了 closes.
 */
export const FIX = defineCardAction({
  name: 'fix',
  value: z.object({ i: id, r: id.optional() }),
  stale: STALE,
});
/**
 * 改归 item `i`: to task `t` (a button), or to the task chosen in a menu (the click's `option`). The
 * task browser of the correction card (the filing card's, for an item): one household's open tasks
 * (`h`; 0 = the unit's own), a page `p` of households, the household menu (its `option`), the search
 * form (its `formValue`). Here and on 撤下 and 免交, `r`: the approved 申请更正 the card was opened for,
 * which the correction carries out (none on a card not opened for it).
 */
export const FIX_REFILE = defineCardAction({
  name: 'fix-refile',
  value: z.object({ i: id, t: id.optional(), r: id.optional(), nr }),
  stale: STALE,
});
export const FIX_BROWSE = defineCardAction({
  name: 'fix-browse',
  value: z.object({ i: id, h: z.coerce.number().int().nonnegative(), r: id.optional(), nr }),
  stale: STALE,
});
export const FIX_HOUSEHOLDS = defineCardAction({
  name: 'fix-households',
  value: z.object({ i: id, p: z.coerce.number().int().nonnegative(), r: id.optional(), nr }),
  stale: STALE,
});
export const FIX_HOUSEHOLD = defineCardAction({
  name: 'fix-household',
  value: z.object({ i: id, r: id.optional(), nr }),
  stale: STALE,
});
export const FIX_FIND = defineCardAction({
  name: 'fix-find',
  value: z.object({ i: id, r: id.optional(), nr }),
  stale: STALE,
});
export const FIX_UNFILE = defineCardAction({
  name: 'fix-unfile',
  value: z.object({ i: id, sure, r: id.optional(), nr }),
  stale: STALE,
});
/**
 * A form on the correction card of a confirmed item: takes back its 档号 (the reason, required,
 * arrives in the click's `formValue`), so it can be corrected.
 */
export const FIX_UNCONFIRM = defineCardAction({
  name: 'fix-unconfirm',
  /** `r`: on an approved request's card, whose 改归 / 撤下 / 免交 after it still carry out that request. */
  value: z.object({ i: id, r: id.optional(), nr }),
  stale: STALE,
});
/** A form: the reason arrives in the click's `formValue`. */
export const FIX_WAIVE = defineCardAction({
  name: 'fix-waive',
  value: z.object({ i: id, r: id.optional(), nr }),
  stale: STALE,
});
/** A form: the request text arrives in the click's `formValue`. */
export const FIX_REQUEST = defineCardAction({
  name: 'fix-request',
  value: z.object({ i: id }),
  stale: STALE,
});
/**
 * 更正著录 on the correction card (a form: 题名 / 责任者 / 日期 / 文号 arrive in the click's `formValue`):
 * the marks of the fields as drawn (drawnMark: `t` 题名, `p` 责任者, `d` 日期, `n` 文号; absent: blank;
 * never `a`, the action's own name),
 * so only a field changed from it is saved, and `r`, the approved request the card was opened for.
 */
export const FIX_DESCRIBE = defineCardAction({
  name: 'fix-describe',
  value: z.object({
    i: id,
    r: id.optional(),
    t: z.string().max(12).optional(),
    p: z.string().max(12).optional(),
    d: z.string().max(12).optional(),
    n: z.string().max(12).optional(),
  }),
  stale: '这个表单已失效，请重新打开',
});
/** 不用改了 on an approved 申请更正 `r`: closed without a change (the reason, optional, in `formValue`). */
export const FIX_DROP = defineCardAction({ name: 'fix-drop', value: z.object({ r: id }), stale: STALE });
export const FIX_ANSWER = defineCardAction({
  name: 'fix-answer',
  value: z.object({ r: id, ok: z.union([z.literal(0), z.literal(1)]) }),
  stale: STALE,
});

// Reminders and digests (usecases/unit-detail-action.ts).
/** 查看全部 / a unit's own button on a reminder, escalation or digest: unit `u`'s detail card. */
export const UNIT_DETAIL = defineCardAction({
  name: 'unit-detail',
  value: z.object({ u: id }),
  stale: STALE,
});

/**
 * 督办 on a leader's escalation (usecases/urge-card-action.ts): unit `u`'s chats get a 督办 of its
 * overdue tasks, as the pages' 督办 of the village.
 */
export const URGE = defineCardAction({ name: 'urge', value: z.object({ u: id }), stale: STALE });

// 任务's list (usecases/task-pick-action.ts): the task chosen arrives as the click's `option`.
/**
 * 任务's list menu: the unit, and the command message the list answered (`m`; its send's key, under
 * which the list is recorded before Lark gives its message id). Lists drawn before carry none.
 */
export const TASK_PICK = defineCardAction({
  name: 'task-pick',
  value: z.object({ u: id, m: z.string().max(200).optional() }),
  stale: STALE,
});

// Units (usecases/bind-chat-action.ts).
export const BIND = defineCardAction({ name: 'bind', value: z.object({ u: id }), stale: STALE });

// Archive (usecases/confirm-command.ts, describe-item-action.ts).
export const CONFIRM_ARCHIVE = defineCardAction({
  name: 'confirm-archive',
  /**
   * The preview's set (domain/previewed-set.ts): `n` 件, the highest item id `m`, fingerprint `h`. A card
   * drawn before they were carried has only `n` (or nothing): its tap draws the preview again.
   */
  value: z.object({
    u: id,
    y: z.coerce.number().int(),
    n: z.number().int().optional(),
    m: z.number().int().nonnegative().optional(),
    h: z.string().max(32).optional(),
    t: id.optional(),
  }),
  resend: '确认归档',
});
/** A form: 事由 / 地点 / 人物 arrive in the click's `formValue`. */
export const DESCRIBE_ITEM = defineCardAction({
  name: 'describe-item',
  /**
   * The fields as saved when the form was drawn, each as its drawnMark (`r` 事由, `p` 地点, `o` 人物;
   * absent: blank): only a field changed from it is saved or cleared.
   */
  value: z.object({
    i: id,
    r: z.string().max(12).optional(),
    p: z.string().max(12).optional(),
    o: z.string().max(12).optional(),
  }),
  stale: '这个表单已失效，请重新打开',
});
/** 修改说明 on a saved description: the form again, filled with what was saved. */
export const DESCRIBE_EDIT = defineCardAction({
  name: 'describe-edit',
  value: z.object({ i: id }),
  stale: '这个按钮已失效',
});
