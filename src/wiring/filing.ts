import { pointToPartsCard } from '../usecases/parts-card-pointer.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { oneCardEach, unfiledBursts } from '../db/repos/unfiled-bursts.js';
import { learnNamesLater, unnamedRoleHolders } from '../db/repos/people.js';
import {
  CORRECTED_CARD_JOB,
  FILING_CARD_AGAIN_JOB,
  LEARN_PERSON_NAME_JOB,
  NOTIFY_JOB,
  PARTS_CARD_POINTER_JOB,
  SPLIT_CARD_JOB,
  TASK_CARDS_JOB,
} from '../domain/job-types.js';
import { learnPersonName } from '../usecases/learn-person-name.js';
import { firstSendable } from '../domain/quiet-hours.js';
import { acknowledgeBurst } from '../usecases/acknowledge-burst.js';
import { browseTasksActions } from '../usecases/browse-tasks-actions.js';
import { cardAgainUuid, sendFilingCardAgain } from '../usecases/filing-card-again.js';
import { cardAgainAction, unfiledCommand, unfiledPageAction } from '../usecases/unfiled-command.js';
import { bindChatAction } from '../usecases/bind-chat-action.js';
import { correctionActions } from '../usecases/correction-actions.js';
import { correctionDescribeActions } from '../usecases/correction-describe-actions.js';
import { jobHandler, type Feature } from '../usecases/feature.js';
import { filingActions } from '../usecases/filing-actions.js';
import { isChatMember as isChatMemberOf } from '../usecases/is-chat-member.js';
import { deliverNotify } from '../usecases/notify.js';
import { leaveChat, onboardChat } from '../usecases/onboard-chat.js';
import { presentBurst } from '../usecases/present-burst.js';
import { patchWithdrawnCards } from '../usecases/recall-card.js';
import { partsCardOf } from '../usecases/split-parts.js';
import { splitBurstAction } from '../usecases/split-burst-action.js';
import { roleCommands } from '../usecases/role-commands.js';
import { unitCommands } from '../usecases/unit-commands.js';
import { waiveCommands } from '../usecases/waive-command.js';
import { drawTaskCardsNow } from '../usecases/task-cards-now.js';
import { findPageAction } from '../usecases/find-items.js';
import { taskPickAction } from '../usecases/task-pick-action.js';
import type { FeatureEnv } from './feature-env.js';
import { opsAlertOptions } from './ops-alerts.js';

/** Filing in the chat: the burst acknowledgment becomes the filing card, and its buttons. */
export function filingFeature(env: FeatureEnv): Feature {
  const { config } = env;
  const isChatMember = (chatId: string, openId: string) => isChatMemberOf(env.deps.gateway, chatId, openId);
  const options = {
    isChatMember,
    timeZone: config.timeZone,
    quietWindowMs: config.capture.quietWindowMs,
    maxFileBytes: config.capture.maxFileBytes,
  };
  const { deps } = env;
  return {
    name: 'filing',
    presentBurst: (d, view, opts) => presentBurst({ ...d, isChatMember }, view, opts),
    cardActions: [
      ...filingActions(options),
      ...browseTasksActions({
        isChatMember,
        timeZone: config.timeZone,
        quietWindowMs: config.capture.quietWindowMs,
        maxFileBytes: config.capture.maxFileBytes,
      }),
      cardAgainAction(options),
      unfiledPageAction(),
      splitBurstAction({
        isChatMember,
        timeZone: config.timeZone,
        quietWindowMs: config.capture.quietWindowMs,
        maxFileBytes: config.capture.maxFileBytes,
      }),
    ],
    commands: [unfiledCommand()],
    jobs: [
      jobHandler({
        type: FILING_CARD_AGAIN_JOB,
        handle: async (payload, log) => {
          await sendFilingCardAgain({ ...deps, ...options }, payload, log);
        },
      }),
      jobHandler({
        type: PARTS_CARD_POINTER_JOB,
        handle: (payload) => pointToPartsCard(env.deps.gateway, payload),
      }),
      // 分开归档 once sent each part's card as a reply to its own file: a job queued before the parts
      // card (split-parts.ts) is still answered that way.
      jobHandler({
        type: SPLIT_CARD_JOB,
        handle: (payload) =>
          acknowledgeBurst(env.deps, payload.burstId, {
            quietWindowMs: config.capture.quietWindowMs,
            maxFileBytes: config.capture.maxFileBytes,
            present: (deps, view) => presentBurst({ ...deps, isChatMember }, view, { auto: false }),
          }),
      }),
    ],
    timers: [
      {
        // Lark stops taking taps on a JSON 2.0 card 14 days after it was sent: a burst still waiting
        // gets its card again a day before, so its materials never lose their way into a task.
        name: 'filing-cards-expiring',
        everyMs: CARD_CHECK_MS,
        run: async () => {
          const now = deps.clock.now();
          // Not a unit with no open task (a township, a village before its first 任务清单, one whose tasks
          // are all waived): its card again would offer nothing to choose, every 13 days. Once it has a
          // task, a card this old is sent at the next check.
          const due = await unfiledBursts(deps.db, {
            cardBefore: new Date(now.getTime() - CARD_RESEND_AFTER_MS),
            fileable: true,
            limit: 500,
          });
          // Nobody asked for these cards: like every scheduled message they wait for the end of the
          // quiet hours (this hourly check sent them at any hour, so a card first sent at 19:30 came
          // back into the group at 20:00 or at 3:00). The 13 days leave a day, more than any quiet
          // hours, before Lark's 14.
          const { timeZone, quietHours } = env.settings.schedules;
          const runAt = firstSendable(now, timeZone, quietHours);
          // A split burst's parts waiting get their parts card again once, not a card each.
          for (const b of oneCardEach(due)) {
            const occasion = `expiring:${b.lastCardAt.getTime()}`;
            await enqueueJob(
              deps.db,
              {
                type: FILING_CARD_AGAIN_JOB,
                key: `${b.id}:${occasion}`,
                payload: { burstId: b.id, reason: 'expiring', uuid: cardAgainUuid(b.id, occasion) },
                runAt,
                maxAttempts: 5,
              },
              now,
            );
          }
          if (due.length > 0) env.wakeJobs();
        },
      },
    ],
  };
}

/** How often the filing cards are checked for Lark's 14-day limit on taps. */
const CARD_CHECK_MS = 3_600_000;
/** A card this old is sent again (a day's margin before Lark's 14 days). */
export const CARD_RESEND_AFTER_MS = 13 * 86_400_000;

/** schedules.yaml's quiet hours, in its zone: what a 免交's line to the unit's chats waits out. */
const quietOf = (env: FeatureEnv) => ({
  timeZone: env.settings.schedules.timeZone,
  quietHours: env.settings.schedules.quietHours,
});

/**
 * Corrections (更正, its 更正著录, 申请更正 and the archivists' answers, 不用改了), and the notifications
 * they send.
 */
export function correctionsFeature(env: FeatureEnv): Feature {
  return {
    name: 'corrections',
    commands: waiveCommands({ wakeJobs: env.wakeJobs, quiet: quietOf(env) }),
    cardActions: [
      ...correctionActions({
        isChatMember: (chatId: string, openId: string) => isChatMemberOf(env.deps.gateway, chatId, openId),
        timeZone: env.config.timeZone,
        wakeJobs: env.wakeJobs,
        quiet: quietOf(env),
      }),
      ...correctionDescribeActions({ timeZone: env.config.timeZone, wakeJobs: env.wakeJobs }),
    ],
    jobs: [
      jobHandler({ type: NOTIFY_JOB, handle: (payload) => deliverNotify(env.deps, payload) }),
      // 改归 / 撤下 (card, 查 list, CLI): the burst's cards in its chat drawn as they are now, as a recall
      // draws them (the filed card on its new task, or the filing card again once taken off). 免交 /
      // 恢复任务 draw the same way each burst whose cards show or offer the task (waiver-follow-up.ts).
      jobHandler({
        type: CORRECTED_CARD_JOB,
        handle: (payload, log) =>
          patchWithdrawnCards(env.deps, payload.burstId, log, {
            maxFileBytes: env.config.capture.maxFileBytes,
            sharedCard: (messageId) => partsCardOf(env.deps, messageId),
            present: env.burstPresenter(),
          }),
      }),
      // 免交 / 恢复任务: the task's 「任务 C03」 cards drawn as it is now.
      jobHandler({
        type: TASK_CARDS_JOB,
        handle: (payload, log) =>
          drawTaskCardsNow(env.deps, payload.taskId, log, { timeZone: env.config.timeZone }),
      }),
    ],
  };
}

/**
 * Units and roles in the chat: commands 任务/进度/缺什么/查/绑定/设置/撤销角色/人员, the 绑定 button,
 * onboarding when the bot joins a group and pausing the binding when it leaves.
 */
export function unitsFeature(env: FeatureEnv): Feature {
  return {
    name: 'units',
    commands: [...unitCommands({ timeZone: env.config.timeZone }), ...roleCommands],
    cardActions: [
      bindChatAction({ cardsAgain: () => env.handlesJob(FILING_CARD_AGAIN_JOB) }),
      findPageAction(),
      taskPickAction({ timeZone: env.config.timeZone }),
    ],
    onBotAdded: onboardChat,
    onBotRemoved: leaveChat,
    jobs: [
      jobHandler({
        type: LEARN_PERSON_NAME_JOB,
        handle: (payload, log) =>
          learnPersonName({ ...env.deps, alerts: opsAlertOptions(env.config) }, payload, log),
      }),
    ],
    timers: [
      {
        // People given roles before names were learnt (or by a command that named nobody): their
        // names are looked up in the background, so digests and pages name them.
        name: 'person-names',
        everyMs: PERSON_NAMES_CHECK_MS,
        run: async () => {
          const now = env.deps.clock.now();
          await learnNamesLater(env.deps.db, await unnamedRoleHolders(env.deps.db, 200), now);
          env.wakeJobs();
        },
      },
    ],
  };
}

/** How often role holders without a name on record are queued for a lookup. */
const PERSON_NAMES_CHECK_MS = 3_600_000;
