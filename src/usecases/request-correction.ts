import { correctionRequestCard, type ItemFacts } from '../cards/correction-cards.js';
import type { Db } from '../db/client.js';
import {
  approvedOpenRequest,
  correctionRequest,
  itemForCorrection,
  lockFilingItem,
  pendingCorrectionRequest,
} from '../db/repos/correction-items.js';
import { insertAudit } from '../db/repos/audit.js';
import { mergedInto } from '../db/repos/item-regroup.js';
import { personNames } from '../db/repos/reminder-audience.js';
import { hasUnitRole } from '../db/repos/people.js';
import { DomainError } from '../errors.js';
import { archivistsOf } from './archivists-of.js';
import { chatMemberNames, type ChatMemberNamesDeps } from './chat-member-names.js';
import { canFile, type FilingDeps } from './file-burst.js';
import { itemFacts, itemTaskLabel } from './item-facts.js';
import { enqueueNotify, textContent } from './notify.js';

/** A reason typed on a card, as told to the requester: one line, at most 100 characters (the form's limit). */
const reasonLine = (text: string | undefined): string =>
  (text ?? '').replace(/\s+/g, ' ').trim().slice(0, 100);

/** 申请更正 while an archivist's 同意 of an earlier request on the item is still to be carried out. */
export const APPROVED_BEING_DONE = '档案员已同意这件材料的更正申请，正在处理，不用再申请';

export interface CorrectionRequestDeps extends FilingDeps, ChatMemberNamesDeps {
  timeZone: string;
}

export type RequestOutcome =
  | {
      status: 'requested';
      requestId: number;
      archivists: number;
      message: string;
      /** The item as the archivists' card shows it (its filer named). */
      facts: ItemFacts;
    }
  | { status: 'refused'; message: string };

/**
 * An officer asks the unit's archivists to correct an item they can no longer undo themselves
 * (past the 24-hour window). One open request per item; the request and its card to each archivist
 * are one transaction (audited, notifications enqueued).
 */
export async function requestCorrection(
  deps: CorrectionRequestDeps,
  input: { itemId: number; actorOpenId: string; text: string; chatId?: string },
): Promise<RequestOutcome> {
  const { db } = deps;
  const text = input.text.trim();
  if (!text) throw new DomainError('request_text_required', '请写明需要怎么改');
  const item = await itemForCorrection(db, input.itemId);
  if (!item || item.undone) throw new DomainError('item_not_found', '这件材料已经撤下了，不需要更正');
  const unit = { id: item.unitId, path: item.unitPath };
  if (
    input.actorOpenId !== item.filedBy &&
    !(await canFile(deps, input.actorOpenId, unit, item.chatId ?? undefined))
  )
    return { status: 'refused', message: `只有${item.unitName}的工作群成员可以申请更正` };
  const archivists = await archivistsOf(db, item.unitPath);
  if (archivists.length === 0)
    return { status: 'refused', message: `${item.unitName}还没有档案员，请联系管理员设置` };
  const now = deps.clock.now();
  // The requester and the filer named for the archivists, even when nobody registered them: as the
  // chat's members in Lark name them (one short wait for both), else 「群成员」.
  const chatId = input.chatId ?? item.chatId;
  const names = await chatMemberNames(deps, [
    { openId: input.actorOpenId, chatId },
    ...(chatId === item.chatId ? [] : [{ openId: input.actorOpenId, chatId: item.chatId }]),
    ...(item.filedByName ? [] : [{ openId: item.filedBy, chatId: item.chatId }]),
  ]);
  const by = names.get(input.actorOpenId) ?? '群成员';
  const facts = itemFacts(
    { ...item, filedByName: item.filedByName ?? names.get(item.filedBy) ?? null },
    now,
    deps.timeZone,
  );
  const requestId = await db.transaction(async (tx) => {
    await lockFilingItem(tx, item.id);
    if (await pendingCorrectionRequest(tx, item.id)) return 'pending' as const;
    // A form drawn before an archivist's 同意 of an earlier request: that one is being carried out.
    if (await approvedOpenRequest(tx, item.id)) return 'approved' as const;
    const id = await insertAudit(tx, {
      at: now,
      actor: input.actorOpenId,
      action: 'correction_request',
      source: 'card',
      unitId: item.unitId,
      taskId: item.taskId,
      itemId: item.id,
      chatId: input.chatId ?? item.chatId,
      details: { text, archivists },
    });
    const card = JSON.stringify(correctionRequestCard(facts, { requestId: id, by, text }));
    for (const a of archivists)
      await enqueueNotify(
        tx,
        {
          receiveIdType: 'open_id',
          receiveId: a,
          msgType: 'interactive',
          content: card,
          uuid: `fixreq-${id}-${a}`.slice(0, 50),
        },
        now,
      );
    return id;
  });
  if (requestId === 'pending') return { status: 'refused', message: '已经申请过更正了，请等档案员处理' };
  if (requestId === 'approved') return { status: 'refused', message: APPROVED_BEING_DONE };
  return {
    status: 'requested',
    requestId,
    archivists: archivists.length,
    message: '已发给档案员，处理后会通知您',
    facts,
  };
}

export type AnswerOutcome =
  | {
      status: 'answered';
      itemId: number;
      requestId: number;
      /** The request's words. */
      text: string;
      approved: boolean;
      requester: string;
      message: string;
    }
  /** Approved before and still owed: answered again, the archivist corrects it (or 不用改了). */
  | { status: 'owed'; itemId: number; requestId: number; text: string }
  | { status: 'refused'; message: string };

/**
 * An archivist answers a correction request (同意 / 不同意): audited, the requester told. Approving
 * does not change the item by itself: the archivist then corrects it on the card that follows. One
 * approved and still owed is answered `owed` (its card opens again), not refused.
 */
export async function answerCorrectionRequest(
  deps: CorrectionRequestDeps,
  input: { requestId: number; actorOpenId: string; approve: boolean; reason?: string },
): Promise<AnswerOutcome> {
  const { db } = deps;
  const found = await requestForArchivist(db, input);
  if (typeof found.refused === 'string') return { status: 'refused', message: found.refused };
  const { req, item } = found;
  const reason = input.approve ? '' : reasonLine(input.reason);
  const archivist = await archivistNamed(db, input.actorOpenId);
  const now = deps.clock.now();
  const label = itemTaskLabel(item);
  const done = await db.transaction(async (tx): Promise<boolean | 'owed' | { gone: string }> => {
    await lockFilingItem(tx, item.id);
    const pending = await pendingCorrectionRequest(tx, item.id);
    if (pending?.id !== req.id)
      return (await approvedOpenRequest(tx, item.id))?.id === req.id ? 'owed' : false;
    // The answer's audit row and the requester's message: one fact.
    const answer = async (approved: boolean, why: string, told: string) => {
      await insertAudit(tx, {
        at: now,
        actor: input.actorOpenId,
        action: 'correction_answer',
        source: 'card',
        unitId: item.unitId,
        taskId: item.taskId,
        itemId: item.id,
        details: { requestId: req.id, approved, ...(why ? { reason: why } : {}) },
      });
      await enqueueNotify(
        tx,
        {
          receiveIdType: 'open_id',
          receiveId: req.actor,
          msgType: 'text',
          content: textContent(told),
          uuid: `fixans-${req.id}`,
        },
        now,
      );
    };
    // The 件 was 撤下 or 并入 another since the request (by another archivist, on a page, the CLI): 同意
    // promised 「会帮您改好」 and nothing ever did. The request is closed and the requester told why.
    if ((await itemForCorrection(tx, item.id))?.undone) {
      const into = await mergedInto(tx, item.id);
      const other = into === undefined ? undefined : await itemForCorrection(tx, into);
      // Named as the officer knows it (its 题名), not by an item number no chat shows.
      const gone = other
        ? `这件材料已并入同一任务的另一件（${other.title}）`
        : '这件材料已撤下（原件仍保存，可以重新提交）';
      // 不同意 with a reason: the reason is kept and told too.
      const why = reason ? `${gone}；${reason}` : gone;
      await answer(
        false,
        why,
        `您对${label}的更正申请（${req.text}）已关闭：${gone}。${reason ? `档案员的意见：${reason}。` : ''}如有疑问请直接联系${archivist}。`,
      );
      return { gone };
    }
    await answer(
      input.approve,
      reason,
      input.approve
        ? `${archivist}已同意您对${label}的更正申请（${req.text}），会帮您改好。`
        : `${archivist}没有同意您对${label}的更正申请（${req.text}）。${reason ? `原因：${reason}。` : ''}如有疑问请直接联系${archivist}。`,
    );
    return true;
  });
  if (!done) return { status: 'refused', message: '这个申请已经处理过了' };
  if (typeof done === 'object') return { status: 'refused', message: `${done.gone}，申请已关闭并告知申请人` };
  if (done === 'owed') return { status: 'owed', itemId: item.id, requestId: req.id, text: req.text };
  return {
    status: 'answered',
    itemId: item.id,
    requestId: req.id,
    text: req.text,
    approved: input.approve,
    requester: req.actor,
    message: input.approve ? '已同意，请在卡片上更正' : '已告知申请人：不同意',
  };
}

/** 「档案员李档案」: named, so the requester knows whom to ask (「档案员」 alone when no name is on record). */
const archivistNamed = async (db: Db, openId: string): Promise<string> =>
  `档案员${(await personNames(db, [openId])).get(openId) ?? ''}`;

export type DropOutcome =
  { status: 'dropped'; itemId: number; message: string } | { status: 'refused'; message: string };

/**
 * 不用改了: an archivist closes an approved 申请更正 without changing the item (the request was
 * settled another way, or nothing needs changing after all). Audited (`correction_dropped`, with the
 * reason when given), the requester told plainly that nothing was changed and why; refused once the
 * request is no longer owed (carried out or closed meanwhile).
 */
export async function dropApprovedRequest(
  deps: Pick<CorrectionRequestDeps, 'db' | 'clock'>,
  input: { requestId: number; actorOpenId: string; reason?: string; source?: 'card' | 'cli' },
): Promise<DropOutcome> {
  const { db } = deps;
  const found = await requestForArchivist(db, input);
  if (typeof found.refused === 'string') return { status: 'refused', message: found.refused };
  const { req, item } = found;
  const reason = reasonLine(input.reason);
  const archivist = await archivistNamed(db, input.actorOpenId);
  const now = deps.clock.now();
  const label = itemTaskLabel(item);
  const done = await db.transaction(async (tx) => {
    await lockFilingItem(tx, item.id);
    if ((await approvedOpenRequest(tx, item.id))?.id !== req.id) return false;
    await insertAudit(tx, {
      at: now,
      actor: input.actorOpenId,
      action: 'correction_dropped',
      source: input.source ?? 'card',
      unitId: item.unitId,
      taskId: item.taskId,
      itemId: item.id,
      details: { requestId: req.id, ...(reason ? { reason } : {}) },
    });
    const why = reason ? `原因：${reason}。` : '';
    await enqueueNotify(
      tx,
      {
        receiveIdType: 'open_id',
        receiveId: req.actor,
        msgType: 'text',
        content: textContent(
          `您对${item.unitName}${label}的更正申请（${req.text}），${archivist}看过后决定不用改了，材料没有改动，申请已关闭。${why}如有疑问请直接联系${archivist}。`,
        ),
        uuid: `fixdrop-${req.id}`,
      },
      now,
    );
    return true;
  });
  if (!done) return { status: 'refused', message: '这个申请已经改好或关闭了' };
  return { status: 'dropped', itemId: item.id, message: '已关闭更正申请，已告知申请人：不用改了' };
}

/** The request and its item, for an archivist of the item's unit (or the refusal to say to anyone else). */
async function requestForArchivist(
  db: CorrectionRequestDeps['db'],
  input: { requestId: number; actorOpenId: string; source?: string },
) {
  const req = await correctionRequest(db, input.requestId);
  if (!req) throw new DomainError('request_not_found', '找不到这个更正申请');
  const item = await itemForCorrection(db, req.itemId);
  if (!item) throw new DomainError('item_not_found', '找不到这件材料');
  // The command line (`archive drop-request`) is the administrator's, as its other corrections.
  if (
    input.source !== 'cli' &&
    !(await hasUnitRole(db, input.actorOpenId, { path: item.unitPath }, ['archivist', 'admin']))
  )
    return { refused: `只有${item.unitName}的档案员可以处理更正申请` };
  return { req, item };
}
