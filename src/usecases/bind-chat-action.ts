import { BIND } from '../cards/actions.js';
import { boundCard } from '../cards/unit-cards.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { taskListStateOf } from '../db/repos/completeness.js';
import type { NoOpenTask } from '../domain/task-list-state.js';
import { countUnfiledBursts, unfiledBursts } from '../db/repos/unfiled-bursts.js';
import { getLiveBinding, type ChatBindingRow } from '../db/repos/units-chat-bindings.js';
import { getUnitById } from '../db/repos/units.js';
import { FILING_CARD_AGAIN_JOB } from '../domain/job-types.js';
import { DomainError } from '../errors.js';
import { bindChat } from './bind-chat.js';
import { BIND_IN_GROUP, bindRefusal, canBindChat, isDirectChat } from './can-bind-chat.js';
import type { BotDeps } from './deps.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { cardAgainUuid } from './filing-card-again.js';

/** Cards sent again at once for what the chat received before it was bound (the rest: 未归档, reminders). */
const RESEND_AT_BIND = 5;

/**
 * The 绑定 card's button: binds the chat it was clicked in to the chosen unit. `cardsAgain`: whether
 * the running bot sends filing cards again (the filing feature); then what the chat received before
 * it was bound — answered 「本群还没有绑定单位」, with nothing to choose — gets its card now.
 */
export const bindChatAction = (o: { cardsAgain: () => boolean }): DeclaredCardAction =>
  cardAction({
    type: BIND,
    handle: async (deps, a) => {
      if (!a.chatId) throw new DomainError('bad_action', '这个按钮已失效');
      const unit = await getUnitById(deps.db, a.value.u);
      if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
      // The card forwarded into a direct chat with the bot: that chat is bound to no unit (as 绑定 there says).
      if (await isDirectChat(deps, a.chatId)) return { toast: { type: 'error', content: BIND_IN_GROUP } };
      if (!(await canBindChat(deps, a.chatId, a.operatorOpenId, unit)))
        return { toast: { type: 'error', content: await bindRefusal(deps.db, unit) } };
      const outcome = await bindChat(deps, {
        chatId: a.chatId,
        unitId: a.value.u,
        actorOpenId: a.operatorOpenId,
        source: 'card',
      });
      if (outcome.status === 'busy') return { toast: { type: 'error', content: outcome.message } };
      // Also when the chat is bound already: that is how this tap's card-action job finds it when the
      // first run bound it and then failed for a moment (the database, 4091742). The offer is keyed by
      // the binding, so a second run (or a second tap) sends no card twice.
      const binding = o.cardsAgain() ? await getLiveBinding(deps.db, a.chatId) : undefined;
      const earlier =
        binding?.unitId === unit.id
          ? await offerEarlierBursts(deps, binding, outcome.status === 'already_bound')
          : { earlier: 0, resent: 0 };
      return {
        toast: { type: 'success', content: outcome.message },
        card: { type: 'raw', data: boundCard(outcome.message, earlier) },
      };
    },
  });

/**
 * Materials sent ahead of the binding were answered 「本群还没有绑定单位」 with nothing to choose, and
 * then waited for the reminder a working day later (or for someone to think of 未归档): sending them
 * again looked like the only way. Their cards (the chat's unit's tasks now) go out under them at once.
 */
async function offerEarlierBursts(
  deps: BotDeps,
  binding: ChatBindingRow,
  onlyBefore: boolean,
): Promise<{ earlier: number; resent: number; noTasks?: NoOpenTask }> {
  // A chat bound before this tap: only what came before its binding (the rest is not 「绑定前」).
  const which = { chatIds: [binding.chatId], ...(onlyBefore ? { firstBefore: binding.boundAt } : {}) };
  // A unit with no open task yet (a township, a village before its 任务清单): their cards would offer
  // nothing to choose; the bound card says so, and they are chased once it has a task.
  const state = await taskListStateOf(deps.db, binding.unitId);
  if (state.kind !== 'open')
    return { earlier: await countUnfiledBursts(deps.db, which), resent: 0, noTasks: state };
  const resend = await unfiledBursts(deps.db, { ...which, limit: RESEND_AT_BIND });
  const now = deps.clock.now();
  for (const b of resend) {
    const occasion = `bound:${binding.id}`;
    await enqueueJob(
      deps.db,
      {
        type: FILING_CARD_AGAIN_JOB,
        key: `${b.id}:${occasion}`,
        payload: { burstId: b.id, reason: 'bound', uuid: cardAgainUuid(b.id, occasion) },
        runAt: now,
        maxAttempts: 5,
      },
      now,
    );
  }
  // All of them, however many (the count stopped at 200).
  return { earlier: await countUnfiledBursts(deps.db, which), resent: resend.length };
}
