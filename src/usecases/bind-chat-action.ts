import { BIND } from '../cards/actions.js';
import { boundCard } from '../cards/unit-cards.js';
import { getUnitById } from '../db/repos/units.js';
import { DomainError } from '../errors.js';
import { bindChat } from './bind-chat.js';
import { canBindChat } from './can-bind-chat.js';
import { cardAction } from './feature.js';

/** The 绑定 card's button: binds the chat it was clicked in to the chosen unit. */
export const bindChatAction = cardAction({
  type: BIND,
  handle: async (deps, a) => {
    if (!a.chatId) throw new DomainError('bad_action', '这个按钮已失效');
    const unit = await getUnitById(deps.db, a.value.u);
    if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
    if (!(await canBindChat(deps, a.chatId, a.operatorOpenId, unit))) {
      return {
        toast: {
          type: 'error',
          content: `只有${unit.name}（或上级）的管理员，或把我拉进群且在${unit.name}任职的人，可以绑定到这个单位`,
        },
      };
    }
    const outcome = await bindChat(deps, {
      chatId: a.chatId,
      unitId: a.value.u,
      actorOpenId: a.operatorOpenId,
      source: 'card',
    });
    if (outcome.status === 'busy') return { toast: { type: 'error', content: outcome.message } };
    return {
      toast: { type: 'success', content: outcome.message },
      card: { type: 'raw', data: boundCard(outcome.message) },
    };
  },
});
