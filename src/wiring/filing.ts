import { boundCard, onboardingCard } from '../cards/unit-cards.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { chatAddedBy } from '../db/repos/chats.js';
import { queryRows } from '../db/client.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { DomainError } from '../errors.js';
import { sendKey } from '../domain/send-key.js';
import type { FeatureContext, Stopper } from '../features.js';
import { sql } from 'drizzle-orm';
import { bindChat, pauseChatBinding, resumeChatBinding } from '../usecases/bind-chat.js';
import type { BotDeps } from '../usecases/deps.js';
import { registerFilingActions } from '../usecases/filing-actions.js';
import { presentBurst } from '../usecases/present-burst.js';
import { unitCommands } from '../usecases/unit-commands.js';

/**
 * Units, chat binding and filing in the chat: the burst acknowledgment becomes the filing card,
 * commands 任务/进度/缺什么/绑定, onboarding when the bot joins a group.
 */
export function installFiling(ctx: FeatureContext): () => Stopper {
  const { config, cards, hooks } = ctx;
  const timeZone = config.timeZone;
  const isChatMember = async (chatId: string, openId: string) =>
    (await ctx.deps.gateway.listChatMembers(chatId)).some((m) => m.openId === openId);

  /** Admins (any unit), or whoever added the bot to this chat, may bind it. */
  const canBind = async (deps: BotDeps, chatId: string, openId: string) => {
    const [admin] = await queryRows<{ n: number }>(
      deps.db,
      sql`select count(*)::int as n from unit_roles where open_id = ${openId} and role = 'admin'`,
    );
    if ((admin?.n ?? 0) > 0) return true;
    if ((await chatAddedBy(deps.db, chatId)) === openId) return true;
    const info = await deps.gateway.getChat(chatId).catch(() => undefined);
    return info?.ownerId === openId;
  };

  ctx.presenters.burst = (deps, view) => presentBurst({ ...deps, isChatMember, timeZone }, view);
  registerFilingActions(cards, {
    isChatMember,
    timeZone,
    quietWindowMs: config.capture.quietWindowMs,
    maxFileBytes: config.capture.maxFileBytes,
  });
  hooks.commands = { ...hooks.commands, ...unitCommands({ timeZone, canBind }) };

  cards.register('bind', async (deps, a) => {
    if (!a.chatId) throw new DomainError('bad_action', '这个按钮已失效');
    if (!(await canBind(deps, a.chatId, a.operatorOpenId))) {
      return { toast: { type: 'error', content: '只有管理员（或把我拉进群的人）可以绑定单位' } };
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
