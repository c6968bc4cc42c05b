import { onboardingCard } from '../cards/unit-cards.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { listUnits } from '../db/repos/units.js';
import { unitsNamedIn } from '../domain/match-unit.js';
import { sendKey } from '../domain/send-key.js';
import { pauseChatBinding, resumeChatBinding } from './bind-chat.js';
import type { BotDeps } from './deps.js';
import { leadersChatOf, leadersChatUnits } from './group-units.js';
import type { BotAddedEvent, BotRemovedEvent } from './feature.js';

/**
 * The bot joined a group: resume a paused binding, and post the onboarding card; a new group whose
 * name points at units (「城关村工作群」) is offered them as one-tap 绑定 buttons, a unit's leaders' chat
 * (added back) none.
 */
export async function onboardChat(deps: BotDeps, e: BotAddedEvent): Promise<void> {
  const resumed = await resumeChatBinding(deps, { chatId: e.chatId, actorOpenId: e.operatorOpenId });
  const unit = resumed ? await unitOfChat(deps.db, e.chatId) : undefined;
  // A retired unit (撤并) is not offered: binding it is refused.
  const named =
    !unit && e.chatName
      ? unitsNamedIn(
          e.chatName,
          (await listUnits(deps.db)).filter((u) => u.status === 'active'),
        )
      : [];
  // Added back to a leaders' chat (a unit's digestChat): not offered a binding, which would make it a work group.
  const leaders = unit ? [] : await leadersChatUnits(deps.db, e.chatId);
  const res = await deps.gateway.sendMessage({
    receiveIdType: 'chat_id',
    receiveId: e.chatId,
    message: {
      msgType: 'interactive',
      content: JSON.stringify(
        onboardingCard({
          resumedUnit: unit?.fullName,
          named,
          ...(leaders.length > 0 ? { leadersChat: leadersChatOf(leaders) } : {}),
        }),
      ),
    },
    uuid: sendKey('onboard', e.chatId, e.at.getTime()),
  });
  await recordBotMessage(
    deps.db,
    { messageId: res.messageId, chatId: e.chatId, purpose: 'onboarding', taskIds: [] },
    deps.clock.now(),
  );
}

/** The bot left a group: its binding pauses (resumed when it is added again). */
export async function leaveChat(deps: BotDeps, e: BotRemovedEvent): Promise<void> {
  await pauseChatBinding(deps, { chatId: e.chatId, actorOpenId: e.operatorOpenId });
}
