import { boundCard, onboardingCard } from '../cards/unit-cards.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { chatAddedBy } from '../db/repos/chats.js';
import { queryRows } from '../db/client.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getUnitById } from '../db/repos/units.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { DomainError } from '../errors.js';
import { sendKey } from '../domain/send-key.js';
import type { FeatureContext, Stopper } from '../features.js';
import { sql } from 'drizzle-orm';
import { bindChat, pauseChatBinding, resumeChatBinding } from '../usecases/bind-chat.js';
import type { BotDeps } from '../usecases/deps.js';
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
  // The member list is cached; someone missing from it may have joined since: ask Lark once more.
  const isChatMember = async (chatId: string, openId: string) => {
    const has = (list: { openId: string }[]) => list.some((m) => m.openId === openId);
    const gateway = ctx.deps.gateway;
    return (
      has(await gateway.listChatMembers(chatId)) ||
      has(await gateway.listChatMembers(chatId, { fresh: true }))
    );
  };

  /**
   * Who may bind this chat. Without a unit (the 绑定 command, before a choice): an admin of some
   * unit, or whoever added the bot / owns the chat. With the chosen unit (the button): an admin of
   * that unit or above it; or the adder/owner if they also hold a role there (officer, archivist,
   * leader) — a stranger's group can never be bound to a village and then file for it.
   */
  const canBind = async (deps: BotDeps, chatId: string, openId: string, unit?: { path: string }) => {
    if (unit && (await hasUnitRole(deps.db, openId, unit, ['admin']))) return true;
    if (!unit) {
      const [admin] = await queryRows<{ n: number }>(
        deps.db,
        sql`select count(*)::int as n from unit_roles where open_id = ${openId} and role = 'admin'`,
      );
      if ((admin?.n ?? 0) > 0) return true;
    }
    const addedOrOwns =
      (await chatAddedBy(deps.db, chatId)) === openId ||
      (await deps.gateway.getChat(chatId).catch(() => undefined))?.ownerId === openId;
    if (!addedOrOwns) return false;
    return !unit || (await hasUnitRole(deps.db, openId, unit, ['officer', 'archivist', 'leader']));
  };

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
    ...unitCommands({ timeZone, canBind }),
    set_role: setRoleCommand,
    revoke_role: revokeRoleCommand,
    people: listPeopleCommand,
  };

  cards.register('bind', async (deps, a) => {
    if (!a.chatId) throw new DomainError('bad_action', '这个按钮已失效');
    const unit = await getUnitById(deps.db, Number(a.value.u));
    if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
    if (!(await canBind(deps, a.chatId, a.operatorOpenId, unit))) {
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
