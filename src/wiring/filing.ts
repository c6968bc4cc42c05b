import { NOTIFY_JOB } from '../domain/job-types.js';
import { browseTasksActions } from '../usecases/browse-tasks-actions.js';
import { bindChatAction } from '../usecases/bind-chat-action.js';
import { canBindChat } from '../usecases/can-bind-chat.js';
import { correctionActions } from '../usecases/correction-actions.js';
import { jobHandler, type Feature } from '../usecases/feature.js';
import { filingActions } from '../usecases/filing-actions.js';
import { isChatMember as isChatMemberOf } from '../usecases/is-chat-member.js';
import { deliverNotify } from '../usecases/notify.js';
import { leaveChat, onboardChat } from '../usecases/onboard-chat.js';
import { presentBurst } from '../usecases/present-burst.js';
import { roleCommands } from '../usecases/role-commands.js';
import { unitCommands } from '../usecases/unit-commands.js';
import type { FeatureEnv } from './feature-env.js';

/** Filing in the chat: the burst acknowledgment becomes the filing card, and its buttons. */
export function filingFeature(env: FeatureEnv): Feature {
  const { config } = env;
  const isChatMember = (chatId: string, openId: string) => isChatMemberOf(env.deps.gateway, chatId, openId);
  return {
    name: 'filing',
    presentBurst: (deps, view) => presentBurst({ ...deps, isChatMember, timeZone: config.timeZone }, view),
    cardActions: [
      ...filingActions({
        isChatMember,
        timeZone: config.timeZone,
        quietWindowMs: config.capture.quietWindowMs,
        maxFileBytes: config.capture.maxFileBytes,
      }),
      ...browseTasksActions({
        timeZone: config.timeZone,
        quietWindowMs: config.capture.quietWindowMs,
        maxFileBytes: config.capture.maxFileBytes,
      }),
    ],
  };
}

/** Corrections (更正, 申请更正 and the archivists' answers), and the notifications they send. */
export function correctionsFeature(env: FeatureEnv): Feature {
  return {
    name: 'corrections',
    cardActions: correctionActions({
      isChatMember: (chatId: string, openId: string) => isChatMemberOf(env.deps.gateway, chatId, openId),
      timeZone: env.config.timeZone,
      wakeJobs: env.wakeJobs,
    }),
    jobs: [jobHandler({ type: NOTIFY_JOB, handle: (payload) => deliverNotify(env.deps.gateway, payload) })],
  };
}

/**
 * Units and roles in the chat: commands 任务/进度/缺什么/查/绑定/设置/撤销角色/人员, the 绑定 button,
 * onboarding when the bot joins a group and pausing the binding when it leaves.
 */
export function unitsFeature(env: FeatureEnv): Feature {
  return {
    name: 'units',
    commands: [...unitCommands({ timeZone: env.config.timeZone, canBind: canBindChat }), ...roleCommands],
    cardActions: [bindChatAction],
    onBotAdded: onboardChat,
    onBotRemoved: leaveChat,
  };
}
