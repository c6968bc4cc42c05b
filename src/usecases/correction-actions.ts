import type { WaiverMade } from './waiver-follow-up.js';
import {
  confirmUnfileCard,
  correctionDoneCard,
  requestAnsweredCard,
  requestApprovedCard,
  requestCorrectionCard,
  refileBrowser,
  refileSummary,
  requestSentCard,
  type RequestMark,
} from '../cards/correction-cards.js';
import { confirmUndoCard } from '../cards/filing-card.js';
import {
  approvedOpenRequest,
  approvedOpenRequestsOfItem,
  itemForCorrection,
  pendingCorrectionRequest,
  type ItemForCorrection,
} from '../db/repos/correction-items.js';
import { hasUnitRole } from '../db/repos/people.js';
import { countsText } from '../domain/burst-summary.js';
import { undoableNow } from '../domain/checklist-filing.js';
import { DomainError } from '../errors.js';
import {
  FIX,
  FIX_ANSWER,
  FIX_BROWSE,
  FIX_FIND,
  FIX_HOUSEHOLD,
  FIX_HOUSEHOLDS,
  FIX_REFILE,
  FIX_REQUEST,
  FIX_UNCONFIRM,
  FIX_UNFILE,
  FIX_WAIVE,
} from '../cards/actions.js';
import { browseTasks, chosenId, searchWords, type BrowseStep } from './browse-tasks.js';
import type { CardResponse } from './card-response.js';
import { withFilerName } from './chat-member-names.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import type { BotDeps } from './deps.js';
import { correctionCardNow } from './correction-card-now.js';
import { canFile, type FilingDeps } from './file-burst.js';
import { clickedBurst } from './burst-click.js';
import { askFilerOrArchivist, itemFacts, itemTaskLabel } from './item-facts.js';
import { refileItem, unfileItem } from './refile-item.js';
import { answerCorrectionRequest, APPROVED_BEING_DONE, requestCorrection } from './request-correction.js';
import { unconfirmArchive } from './unconfirm-archive.js';
import { waiveTask } from './waive-task.js';

export interface CorrectionActionDeps {
  isChatMember: FilingDeps['isChatMember'];
  timeZone: string;
  /** Wakes the job worker after notifications were enqueued. */
  wakeJobs: () => void;
  /** schedules.yaml's quiet hours: a 免交's line to the unit's other chats waits for their end. */
  quiet?: NonNullable<WaiverMade['quiet']>;
}

const STALE = '这个按钮已失效';
const num = (v: unknown): number => chosenId(v, STALE);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const error = (content: string): CardResponse => ({ toast: { type: 'error', content } });

/** A correction button's request: `r`, or `nr` (none), or neither (drawn before cards named it). */
interface Marked {
  r?: number | undefined;
  nr?: 1 | undefined;
}
const markOf = (v: Marked): RequestMark => v.r ?? (v.nr === 1 ? 'none' : undefined);

/** An old card's tap when the item holds more than one approved request: which one cannot be told. */
const oldCardRefusal = (n: number) =>
  `这张卡片是旧的，这件材料有 ${n} 个已同意、还没改好的更正申请，分不出这次改的是哪一个，没有改动。` +
  '请发送「查」，在「已同意、还没改好的更正申请」里点要改的那个申请的「更正」，在新打开的卡片上改';

/**
 * The approved 申请更正 a correction tapped on a card carries out: the card's `r`; none on a card not
 * opened for one (`nr`); on a card drawn before cards named their request (neither: a request's card
 * then carried none on its 改归 / 撤下 / 免交, and every correction card closed the item's approved
 * request), the item's one approved request still owed, none when it has none, refused when it has
 * several.
 */
async function carriedOut(
  deps: BotDeps,
  itemId: number,
  v: Marked,
): Promise<{ requestId: number | undefined } | { refused: string }> {
  const mark = markOf(v);
  if (mark !== undefined) return { requestId: mark === 'none' ? undefined : mark };
  const owed = await approvedOpenRequestsOfItem(deps.db, itemId);
  if (owed.length > 1) return { refused: oldCardRefusal(owed.length) };
  return { requestId: owed[0]?.id };
}

/**
 * Corrections on cards (issue 14): 更正 on a filing result or a `查` list opens the archivist's
 * correction card (改归 / 撤下 / 免交); anyone else past the 24-hour window gets 申请更正, which goes to
 * the unit's archivists as 同意 / 不同意. A confirmed item's card offers 更正著录 and 撤销确认 (with a
 * reason) instead of the other corrections (correction-describe-actions.ts: 更正著录, 不用改了). Every
 * step goes through the audited use cases.
 */
export function correctionActions(o: CorrectionActionDeps): DeclaredCardAction[] {
  const filing = (deps: BotDeps) => ({ ...deps, isChatMember: o.isChatMember, timeZone: o.timeZone });
  /** The item as the cards show it: its filer named even when nobody registered them (named). */
  const named = async (deps: BotDeps, itemId: number): Promise<ItemForCorrection | undefined> => {
    const item = await itemForCorrection(deps.db, itemId);
    return item && withFilerName(deps, item);
  };
  const load = async (
    deps: BotDeps,
    a: { value: { i: number } },
    withName = true,
  ): Promise<ItemForCorrection> => {
    const item = withName ? await named(deps, a.value.i) : await itemForCorrection(deps.db, a.value.i);
    if (!item) throw new DomainError('item_not_found', '找不到这件材料');
    if (item.undone) throw new DomainError('item_undone', '这件材料已经撤下了');
    return item;
  };
  const isArchivist = (deps: BotDeps, openId: string, item: ItemForCorrection) =>
    hasUnitRole(deps.db, openId, { path: item.unitPath }, ['archivist', 'admin']);
  const facts = (deps: BotDeps, item: ItemForCorrection) => itemFacts(item, deps.clock.now(), o.timeZone);
  /** The 改归 browser's next state (archivists only; a confirmed item shows why it cannot move). */
  const browse = async (
    deps: BotDeps,
    a: { value: { i: number } & Marked; operatorOpenId: string },
    step: BrowseStep,
  ): Promise<CardResponse> => {
    const item = await load(deps, a);
    if (!(await isArchivist(deps, a.operatorOpenId, item))) return error('只有档案员可以改归');
    // An old card's browser goes on for the request it is taken to carry out (carriedOut).
    const carry = await carriedOut(deps, item.id, a.value);
    if ('refused' in carry) return error(carry.refused);
    if (item.archivalCode) return correctionFor(deps, item, carry.requestId);
    const data = await browseTasks(deps.db, { id: item.unitId, name: item.unitName }, step, {
      values: refileBrowser(item.id, carry.requestId ?? 'none'),
      summary: refileSummary(facts(deps, item)),
      timeZone: o.timeZone,
      stale: STALE,
      except: item.taskId,
    });
    return { card: { type: 'raw', data } };
  };
  /** Whether a tap came from the burst's own card (where 撤销's question and the task choice belong). */
  const onBurstCard = (deps: BotDeps, a: { chatId?: string; messageId?: string }, burstId: number) =>
    clickedBurst(deps, a, burstId).then(
      () => true,
      (err: unknown) => {
        if (err instanceof DomainError) return false;
        throw err;
      },
    );
  /**
   * 更正 within the 24 hours: on the filing's own card its filer gets 撤销's question (then the task is
   * chosen again on the same card), not a toast pointing at another button; anyone else is told who can.
   */
  const undoInstead = async (
    deps: BotDeps,
    a: { operatorOpenId: string; chatId?: string; messageId?: string },
    item: ItemForCorrection,
  ): Promise<CardResponse> => {
    const byFiler = a.operatorOpenId === item.filedBy;
    if (byFiler && item.burstId !== null && (await onBurstCard(deps, a, item.burstId))) {
      // What the burst brought (its own files), repeats of a file the task counts elsewhere included.
      const counts = countsText(item.files.held);
      return {
        card: {
          type: 'raw',
          data: confirmUndoCard({
            burstId: item.burstId,
            itemId: item.id,
            summary: counts ? `收到 ${counts}` : '',
            taskLabel: itemTaskLabel(item),
          }),
        },
      };
    }
    const content = byFiler
      ? '24 小时内可以在这组材料的卡片上点「撤销」，再重新提交到正确的任务'
      : `提交后 24 小时内，${askFilerOrArchivist(item.filedByName)}`;
    return { toast: { type: 'info', content } };
  };
  /** The correction card (`request`: the approved 申请更正 it was opened for, its id). */
  const correction = (
    deps: BotDeps,
    item: ItemForCorrection,
    note?: string,
    request?: number,
  ): Promise<CardResponse> =>
    correctionCardNow(deps, item, {
      timeZone: o.timeZone,
      ...(note ? { note } : {}),
      ...(request ? { request } : {}),
    });
  /** Opened for an approved request (`r`): the card names it while it is still owed. */
  const correctionFor = async (deps: BotDeps, item: ItemForCorrection, r?: number) => {
    const owed = r === undefined ? undefined : await approvedOpenRequest(deps.db, item.id);
    return owed?.id === r && owed
      ? correction(deps, item, `已同意的更正申请：${owed.text}`, owed.id)
      : correction(deps, item);
  };
  /**
   * 改归, 撤下 or 免交 tapped on a card drawn before the item was confirmed: nothing changed; the card
   * as it is now (撤销确认 with a reason, for the archivist who tapped; still for request `r`), and why.
   */
  const confirmedNow = async (
    deps: BotDeps,
    itemId: number,
    what: string,
    r: number | undefined,
  ): Promise<CardResponse> => {
    const item = (await named(deps, itemId))!;
    return {
      toast: {
        type: 'warning',
        content: `该件已确认归档（档号 ${item.archivalCode}），不能${what}；需要更正时先在卡片上撤销确认`,
      },
      ...(await correctionFor(deps, item, r)),
    };
  };
  /**
   * `told`: the correction closed an approved request (its requester told): said so, whichever card it
   * came from (an old card's 改归 browser and 撤下 question carry the request on by number).
   */
  const done = (deps: BotDeps, item: ItemForCorrection, message: string, told = false): CardResponse => {
    const said = told ? `${message}；已按这件已同意的更正申请处理，已告知申请人改好了` : message;
    return {
      toast: { type: 'success', content: said },
      card: { type: 'raw', data: correctionDoneCard(facts(deps, item), said) },
    };
  };

  return [
    cardAction({
      type: FIX,
      handle: async (deps, a) => {
        const item = await load(deps, a);
        const who = a.operatorOpenId;
        if (await isArchivist(deps, who, item)) return correctionFor(deps, item, a.value.r);
        if (
          who !== item.filedBy &&
          !(await canFile(
            filing(deps),
            who,
            { id: item.unitId, path: item.unitPath },
            item.chatId ?? undefined,
          ))
        )
          return error(`只有${item.unitName}的工作群成员可以更正`);
        // Within 24 hours the filer undoes it themselves, unless the archivist confirmed it meanwhile.
        if (undoableNow(item, deps.clock.now())) return undoInstead(deps, a, item);
        const pending = await pendingCorrectionRequest(deps.db, item.id);
        if (pending)
          return {
            toast: { type: 'info', content: '已经申请过更正了，请等档案员处理' },
            card: { type: 'raw', data: requestSentCard(facts(deps, item), pending.text) },
          };
        const approved = await approvedOpenRequest(deps.db, item.id);
        if (approved)
          return {
            toast: { type: 'info', content: APPROVED_BEING_DONE },
            card: { type: 'raw', data: requestApprovedCard(facts(deps, item), approved.text) },
          };
        return {
          card: {
            type: 'raw',
            data: requestCorrectionCard(facts(deps, item), { confirmed: !!item.archivalCode }),
          },
        };
      },
    }),

    cardAction({
      type: FIX_REFILE,
      handle: async (deps, a) => {
        const item = await load(deps, a);
        const carry = await carriedOut(deps, item.id, a.value);
        if ('refused' in carry) return error(carry.refused);
        const res = await refileItem(filing(deps), {
          itemId: item.id,
          toTaskId: a.value.t ?? num(a.option),
          actorOpenId: a.operatorOpenId,
          source: 'card',
          requestId: carry.requestId,
        });
        if (res.status === 'refused' && res.reason === 'confirmed')
          return confirmedNow(deps, item.id, '改归', carry.requestId);
        if (res.status === 'refused') return error(res.message);
        // The chat's card drawn again, the filer or requester told (enqueued with the refile).
        if (res.status === 'refiled') o.wakeJobs();
        const told = res.status === 'refiled' && res.requestClosed !== undefined;
        return done(deps, (await named(deps, item.id))!, res.message, told);
      },
    }),

    cardAction({ type: FIX_BROWSE, handle: (deps, a) => browse(deps, a, { h: a.value.h }) }),
    cardAction({ type: FIX_HOUSEHOLDS, handle: (deps, a) => browse(deps, a, { p: a.value.p }) }),
    cardAction({
      type: FIX_HOUSEHOLD,
      handle: (deps, a) => browse(deps, a, { h: chosenId(a.option, STALE) }),
    }),
    cardAction({
      type: FIX_FIND,
      handle: async (deps, a) => {
        const q = searchWords(a.formValue);
        if (!q) return { toast: { type: 'info', content: '请输入户主姓名、编码或关键词' } };
        return browse(deps, a, { q });
      },
    }),

    cardAction({
      type: FIX_UNFILE,
      handle: async (deps, a) => {
        const item = await load(deps, a);
        if (!(await isArchivist(deps, a.operatorOpenId, item)))
          return error('只有档案员可以撤下已提交的材料');
        const carry = await carriedOut(deps, item.id, a.value);
        if ('refused' in carry) return error(carry.refused);
        // Confirmed since the card was drawn: not 撤下's question, the card as it is now.
        if (item.archivalCode) return confirmedNow(deps, item.id, '撤下', carry.requestId);
        if (a.value.sure !== 1)
          return {
            card: { type: 'raw', data: confirmUnfileCard(facts(deps, item), carry.requestId ?? 'none') },
          };
        const res = await unfileItem(deps, {
          itemId: item.id,
          actorOpenId: a.operatorOpenId,
          source: 'card',
          requestId: carry.requestId,
        });
        if (res.status === 'refused' && res.reason === 'confirmed')
          return confirmedNow(deps, item.id, '撤下', carry.requestId);
        if (res.status === 'refused') return error(res.message);
        o.wakeJobs();
        const told = res.status === 'unfiled' && res.requestClosed !== undefined;
        return done(deps, item, res.message, told);
      },
    }),

    cardAction({
      type: FIX_UNCONFIRM,
      handle: async (deps, a) => {
        const item = await load(deps, a);
        if (!(await isArchivist(deps, a.operatorOpenId, item))) return error('只有档案员可以撤销确认');
        // An old card: the item's one approved request, if it has one (several: the card after it names none).
        const carry = await carriedOut(deps, item.id, a.value);
        const r = 'refused' in carry ? undefined : carry.requestId;
        // Already taken back (a second tap, another archivist): the card as it is now.
        if (!item.archivalCode) return correctionFor(deps, item, r);
        const reason = str(a.formValue?.reason).trim();
        if (!reason) return error('请写明撤销确认的原因');
        const res = await unconfirmArchive(
          { ...deps, timeZone: o.timeZone },
          {
            itemId: item.id,
            reason,
            actor: a.operatorOpenId,
            source: 'card',
          },
        );
        if (res.status === 'refused' || res.status === 'not_found') return error(res.message);
        const now = (await named(deps, item.id))!;
        if (res.status === 'not_confirmed') return correctionFor(deps, now, r);
        const withdrawn = res.message.split('\n')[0]!;
        // On an approved request's card: the card after it still carries that request (改归 / 撤下 / 免交
        // there carry it out and tell the requester), while it is owed.
        const owed = r === undefined ? undefined : await approvedOpenRequest(deps.db, item.id);
        return {
          toast: { type: 'success', content: withdrawn },
          ...(await correction(
            deps,
            now,
            `${withdrawn}。${res.transferred ? `\n${res.transferred}\n` : ''}` +
              `${res.notHanded ? `\n${res.notHanded}。\n` : ''}现在可以在下面更正：`,
            owed?.id === r ? owed?.id : undefined,
          )),
        };
      },
    }),

    cardAction({
      type: FIX_WAIVE,
      handle: async (deps, a) => {
        const item = await load(deps, a);
        const carry = await carriedOut(deps, item.id, a.value);
        if ('refused' in carry) return error(carry.refused);
        const res = await waiveTask(o.quiet ? { ...deps, quiet: o.quiet } : deps, {
          taskId: item.taskId,
          actorOpenId: a.operatorOpenId,
          reason: str(a.formValue?.reason),
          source: 'card',
          itemId: item.id,
          ...(carry.requestId !== undefined ? { requestId: carry.requestId } : {}),
          ...(a.chatId ? { chatId: a.chatId } : {}),
        });
        if (res.status === 'refused' && res.reason === 'confirmed')
          return confirmedNow(deps, item.id, '免交', carry.requestId);
        if (res.status === 'refused') return error(res.message);
        if (res.status === 'waived') o.wakeJobs();
        return done(deps, item, res.message, res.status === 'waived' && res.requestClosed !== undefined);
      },
    }),

    cardAction({
      type: FIX_REQUEST,
      handle: async (deps, a) => {
        // Named by requestCorrection (one wait for Lark's member list, not two).
        const item = await load(deps, a, false);
        const text = str(a.formValue?.text);
        const res = await requestCorrection(filing(deps), {
          itemId: item.id,
          actorOpenId: a.operatorOpenId,
          text,
          chatId: a.chatId,
        });
        if (res.status === 'refused') return error(res.message);
        o.wakeJobs();
        return {
          toast: { type: 'success', content: res.message },
          card: { type: 'raw', data: requestSentCard(res.facts, text.trim()) },
        };
      },
    }),

    cardAction({
      type: FIX_ANSWER,
      handle: async (deps, a) => {
        const approve = a.value.ok === 1;
        const res = await answerCorrectionRequest(filing(deps), {
          requestId: a.value.r,
          actorOpenId: a.operatorOpenId,
          approve,
          reason: str(a.formValue?.reason),
        });
        if (res.status === 'refused') return error(res.message);
        // Approved before (this card again, another archivist's): the correction card for it.
        if (res.status === 'owed') {
          const item = (await named(deps, res.itemId))!;
          if (item.undone) return error('这件材料已经撤下了');
          const r = await correction(
            deps,
            item,
            `这个更正申请已同意，还没改好（${res.text}）：请在下面改；不需要改了请点「不用改了」。`,
            res.requestId,
          );
          return { toast: { type: 'info', content: '这个申请已同意，还没改好' }, ...r };
        }
        o.wakeJobs();
        const item = (await named(deps, res.itemId))!;
        if (approve && !item.undone) {
          const r = await correction(
            deps,
            item,
            `已同意更正申请（${res.text}），请在下面改；不需要改了请点「不用改了」。`,
            res.requestId,
          );
          return { toast: { type: 'success', content: res.message }, ...r };
        }
        return {
          toast: { type: 'success', content: res.message },
          card: {
            type: 'raw',
            data: requestAnsweredCard(facts(deps, item), { approved: approve, by: '您' }),
          },
        };
      },
    }),
  ];
}
