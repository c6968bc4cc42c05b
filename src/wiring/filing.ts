import { boundCard, onboardingCard } from '../cards/unit-cards.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { getUnitById } from '../db/repos/units.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { DomainError } from '../errors.js';
import { sendKey } from '../domain/send-key.js';
import type { FeatureContext, Stopper } from '../features.js';
import { bindChat, pauseChatBinding, resumeChatBinding } from '../usecases/bind-chat.js';
import { canBindChat } from '../usecases/can-bind-chat.js';
import { isChatMember as isChatMemberOf } from '../usecases/is-chat-member.js';
import { registerCorrectionActions } from '../usecases/correction-actions.js';
import { registerFilingActions } from '../usecases/filing-actions.js';
import { deliverNotify, NOTIFY_JOB, type NotifyPayload } from '../usecases/notify.js';
import { presentBurst } from '../usecases/present-burst.js';
import { listPeopleCommand, revokeRoleCommand, setRoleCommand } from '../usecases/role-commands.js';
import { unitCommands } from '../usecases/unit-commands.js';

/**
 * Units, chat binding and filing in the chat: the burst acknowledgment becomes the filing card,
 * commands 任务/进度/缺什么/绑定/设置/撤销角色/人员, onboarding when the bot joins a group.
 */
export function installFiling(ctx: FeatureContext): () => Stopper {
  const { config, cards, hooks } = ctx;
  const timeZone = config.timeZone;
  const isChatMember = (chatId: string, openId: string) => isChatMemberOf(ctx.deps.gateway, chatId, openId);

  ctx.presenters.burst = (deps, view) => presentBurst({ ...deps, isChatMember, timeZone }, view);
  registerFilingActions(cards, {
    isChatMember,
    timeZone,
    quietWindowMs: config.capture.quietWindowMs,
    maxFileBytes: config.capture.maxFileBytes,
  });
  registerCorrectionActions(cards, { isChatMember, timeZone, wakeJobs: ctx.wakeJobs });
  ctx.jobHandlers[NOTIFY_JOB] = (payload: NotifyPayload) => deliverNotify(ctx.deps.gateway, payload);
  hooks.commands = {
    ...hooks.commands,
    ...unitCommands({ timeZone, canBind: canBindChat }),
    set_role: setRoleCommand,
    revoke_role: revokeRoleCommand,
    people: listPeopleCommand,
  };

  cards.register('bind', async (deps, a) => {
    if (!a.chatId) throw new DomainError('bad_action', '这个按钮已失效');
    const unit = await getUnitById(deps.db, Number(a.value.u));
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
      unitId: Number(a.value.u),
      actorOpenId: a.operatorOpenId,
      source: 'card',
    });
    if (outcome.status === 'busy') return { toast: { type: 'error', content: outcome.message } };
    return {
      toast: { type: 'success', content: outcome.message },
      card: { type: 'raw', data: boundCard(outcome.message) },
    };
  });

  hooks.onBotAdded = async (deps, e) => {
    const resumed = await resumeChatBinding(deps, { chatId: e.chatId, actorOpenId: e.operatorOpenId });
    const unit = resumed ? await unitOfChat(deps.db, e.chatId) : undefined;
    const res = await deps.gateway.sendMessage({
      receiveIdType: 'chat_id',
      receiveId: e.chatId,
      message: {
        msgType: 'interactive',
        content: JSON.stringify(onboardingCard({ resumedUnit: unit?.fullName })),
      },
      uuid: sendKey('onboard', e.chatId, e.at.getTime()),
    });
    await recordBotMessage(
      deps.db,
      { messageId: res.messageId, chatId: e.chatId, purpose: 'onboarding', taskIds: [] },
      deps.clock.now(),
    );
  };
  hooks.onBotRemoved = async (deps, e) => {
    await pauseChatBinding(deps, { chatId: e.chatId, actorOpenId: e.operatorOpenId });
  };

  return () => async () => {};
}
