import { paperNoteOf, uncountedNote } from './uncounted-note.js';
import { noneCounted } from '../domain/uncounted-kinds.js';
import {
  directChatCard,
  filedCard,
  filingCard,
  leadersChatCard,
  nothingSavedCard,
  unboundCard,
} from '../cards/filing-card.js';
import { chatTypeOf } from '../db/repos/chats.js';
import { burstOfCard, burstReplyTarget, findBotMessage } from '../db/repos/bot-messages.js';
import { forwardsBeingRead } from '../db/repos/bursts.js';
import { MAX_SPLIT_PARTS } from '../db/repos/burst-split.js';
import { burstWhollyRecalled } from '../db/repos/message-recalls.js';
import { fileableTasksOfUnit, taskListStateOf, type TaskStatus } from '../db/repos/completeness.js';
import { filingRoundOfBurst, getLiveFilingOfBurst } from '../db/repos/filings.js';
import { findTasksByCode } from '../db/repos/tasks.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { draftFromCaption } from '../domain/caption-description.js';
import type { ButtonValue } from '../domain/card-action-type.js';
import { householdsNamedIn } from '../domain/match-tasks.js';
import { keywordCoversBurst, suggestTasks, type Suggestion } from '../domain/suggest-tasks.js';
import { parseTaskCode } from '../domain/task-code.js';
import { localDay } from '../domain/working-days.js';
import type { OutgoingMessage } from '../ports/chat-gateway.js';
import type { BurstView } from './acknowledge-burst.js';
import type { BotDeps } from './deps.js';
import { fileAlbumBefore } from './file-album-before.js';
import { fileBurst, taskLabel, taskRef, type FileBurstOutcome, type FilingDeps } from './file-burst.js';
import { filingChoices, householdChoices } from './filing-choices.js';
import { leadersChatOf, leadersChatUnits } from './group-units.js';
import { withdrawnCardOf } from './recall-card.js';

export interface PresentDeps extends BotDeps {
  isChatMember: FilingDeps['isChatMember'];
}

const asCard = (c: object): OutgoingMessage => ({ msgType: 'interactive', content: JSON.stringify(c) });

/**
 * What to do once a task or household the officer chose turns out waived (免交). `othersOpen`: whether
 * the unit has another open task, which the card drawn again offers; without one, 「请另选任务」 would
 * point at nothing: the card drawn again says what the materials need instead (noOpenTaskCard).
 */
export const waivedNextStep = (othersOpen: boolean): string =>
  othersOpen ? '请另选任务；都不是就点「不用交」。' : '本单位没有别的任务可选了。';
/** The card's line (and the tap's answer) for a task waived since the card was drawn, or named by #code. */
export const waivedTaskNotice = (task: Parameters<typeof taskRef>[0], othersOpen: boolean): string =>
  `${taskLabel(taskRef(task))}已免交，不用再交。${waivedNextStep(othersOpen)}`;

/**
 * Files a closed burst when the sender already said where it goes — a reply to a task card or a
 * one-task reminder, a task code (#C03, in a reply to a reminder of several tasks too), or one
 * unmistakable keyword in every file's name (a keyword in the caption only puts its task first) — and
 * otherwise turns its acknowledgment into the filing card (suggestions, a menu, 不归档). Never files at
 * once what the task would not count at all (a voice note 「收到，明天补」 in reply to a reminder for
 * photos): the card says so and the officer chooses.
 */
export async function presentBurst(
  deps: PresentDeps,
  view: BurstView,
  opts: { auto?: boolean; notice?: string; back?: ButtonValue } = {},
): Promise<OutgoingMessage> {
  const auto = opts.auto ?? true;
  let notice = opts.notice;
  const { burst } = view;
  const stored = view.materials.filter((m) => m.status === 'stored' && m.role !== 'cover');
  // A merged forward still being read (Lark refused its contents for now; the job retries) has no
  // materials yet, but will: its card offers the tasks, and its files join the filing once read.
  const reading = stored.length === 0 ? await forwardsBeingRead(deps.db, burst.id) : 0;
  if (reading > 0) view = { ...view, summary: readingSummary(view) };
  const pending = view.materials.some((m) => m.status === 'pending' && m.role !== 'cover');
  // Nothing saved and nothing still downloading: a task chosen now could only be refused.
  if (stored.length === 0 && reading === 0 && !pending) {
    // Every file was recalled: nothing to send again either.
    // A part opened from the parts card (其他任务) keeps its 返回 to that card.
    if (await burstWhollyRecalled(deps.db, burst.id))
      return asCard(await withdrawnCardOf(deps, burst.id, opts.back));
    return asCard(
      nothingSavedCard(view.summary, {
        hints: view.materials.length > 0,
        direct: (await chatTypeOf(deps.db, burst.chatId)) === 'p2p',
        ...(opts.back ? { back: opts.back } : {}),
      }),
    );
  }
  const unit = await unitOfChat(deps.db, burst.chatId);
  if (!unit) {
    if ((await chatTypeOf(deps.db, burst.chatId)) === 'p2p')
      return asCard(
        directChatCard(view.summary, {
          saving: pending,
          // Only when a work group has each file already: a file sent to the bot twice is still to go there.
          allRepeats: !pending && stored.every((m) => m.inWorkGroup),
        }),
      );
    // A leaders' chat is not told to bind itself: that would make it a work group, reminded and 督办.
    const leaders = await leadersChatUnits(deps.db, burst.chatId);
    return asCard(
      leaders.length > 0 ? leadersChatCard(view.summary, leadersChatOf(leaders)) : unboundCard(view.summary),
    );
  }
  const open = await fileableTasksOfUnit(deps.db, unit.id);
  const byId = new Map(open.map((t) => [t.taskId, t]));
  let candidates = open;
  const target = await burstReplyTarget(deps.db, burst.id);
  // Sent as a reply to the card of a burst already filed: most likely the same task (offered first).
  const sameAs = target ? await taskOfRepliedCard(deps, target, burst.chatId, open) : undefined;
  if (sameAs && !notice)
    notice = `你回复的那组材料交在「${filingChoices([sameAs])[0]!.label}」，点第一项即交到同一项任务。`;

  // Filing at once refused (the sender not yet known as one of the unit's: a member list Lark has not told
  // of them): the card with its choices and why, for them or a colleague to tap — not a dead end.
  let refused: string | undefined;
  // The task said (reply, #code, keyword) counts none of the files: not filed at once, the card says why.
  let uncounted: string | undefined;
  const fileAt = async (
    task: { taskId: number; kinds: readonly string[] } & Labelled,
    via: 'reply' | 'code',
  ) => {
    // Files whose format the archive refuses count nowhere (the summary says what to send instead).
    const usable = stored.filter((m) => !m.formatRefused);
    if (usable.length === 0) {
      uncounted ??= `格式不能归档的文件不计入${taskLabel(task)}，没有直接交进去。`;
      return undefined;
    }
    const none = noneCounted(
      usable.map((m) => m.kind),
      task.kinds,
    );
    if (none) {
      uncounted ??= `${none}不计入${taskLabel(task)}，没有直接交进去；要交请点任务，不用交就点「不用交」。`;
      return undefined;
    }
    const filed = await autoFile(deps, view, task.taskId, via);
    if (filed.status === 'card') return filed.card;
    refused = filed.message;
    return undefined;
  };
  if (auto && stored.length > 0) {
    const replied = target ? await findBotMessage(deps.db, target) : undefined;
    if (
      replied &&
      (replied.purpose === 'task_card' || replied.purpose === 'reminder' || replied.purpose === 'urge')
    ) {
      const ids = new Set(replied.taskIds);
      const named = open.filter((t) => ids.has(t.taskId));
      if (named.length === 1) {
        const card = await fileAt(named[0]!, 'reply');
        if (card) return card;
      }
      if (named.length > 1) candidates = named;
    }
    // A #code names its task whatever was replied to: a reminder of several tasks asks for one (「回复这条
    // 消息…也可以在说明里写 #编号」); any open task of the unit, not only those the reminder named.
    const code = parseTaskCode(view.caption);
    if (code && refused === undefined) {
      // Newest campaign first: last year's C03 stays fileable from the card, but #C03 means this year's.
      // Never a campaign of a later year than the burst was sent in (the deployment's zone): a photo
      // sent on 31 December was made that year (DA/T 22 年度), though next year's tasks are out.
      const all = await findTasksByCode(deps.db, unit.id, code);
      const sentYear = Number(localDay(burst.firstAt, deps.timeZone).slice(0, 4));
      const hits = all.filter((t) => t.state === 'open' && t.campaignYear <= sentYear);
      const newest = hits.filter((t) => t.campaignCode === hits[0]?.campaignCode);
      if (newest.length === 1) {
        const task = { ...newest[0]!, taskId: newest[0]!.id };
        const card = await fileAt(task, 'code');
        if (card) {
          // The album's earlier parts a slow connection made cards of their own go with it.
          await fileAlbumBefore(deps, { burstId: burst.id, caption: view.caption }, task);
          return card;
        }
      }
      // #C03 names a task waived (免交): the card says so instead of leaving it out without a word.
      const waived = all.find((t) => t.state === 'waived' && t.campaignYear <= sentYear);
      if (hits.length === 0 && waived && !notice) notice = waivedTaskNotice(waived, open.length > 0);
      // #C99, no task of that code: said, or the card silently ignores what the officer wrote.
      if (all.length === 0 && !notice)
        notice = `${unit.name}没有编号为 ${code} 的任务${open.length > 0 ? '，请点下面的任务交' : ''}。`;
    }
  }

  const now = deps.clock.now();
  const suggestions = suggestTasks(
    {
      caption: view.caption,
      fileNames: view.materials.map((m) => m.originalName).filter((n): n is string => !!n),
      counts: countByKind(stored.length > 0 ? stored : view.materials),
    },
    candidates.map(toCandidate),
    now,
  );
  const clear = clearKeywordMatch(suggestions);
  // A keyword files at once only when it is in every file's name. One file's name among other things
  // (「会议记录.docx」 with site photos), or the caption (chat near the photos: 「明天开会」), only puts its
  // task first on the card. Nor when the reply points at another task: then the officer chooses.
  if (
    auto &&
    stored.length > 0 &&
    clear &&
    keywordCoversBurst(clear.task, { fileNames: stored.map((m) => m.originalName) }) &&
    candidates === open &&
    (!sameAs || sameAs.taskId === clear.task.taskId) &&
    refused === undefined &&
    uncounted === undefined
  ) {
    const card = await fileAt(byId.get(clear.task.taskId)!, 'code');
    if (card) return card;
  }
  if (uncounted !== undefined) notice = notice ? `${uncounted}\n${notice}` : uncounted;
  if (refused !== undefined) {
    const why = `没有直接交到任务：${refused}。本群的工作人员可以点下面的任务交。`;
    notice = notice ? `${why}\n${notice}` : why;
  }
  if (sameAs) {
    const first = { task: toCandidate(sameAs), score: 0, reasons: [SAME_AS_REPLIED], explicit: false };
    const rest = suggestions.filter((s) => s.task.taskId !== sameAs.taskId).slice(0, 4);
    suggestions.splice(0, suggestions.length, first, ...rest);
  }
  const chosen = new Set(suggestions.map((s) => s.task.taskId));
  // Nothing to choose: never given a 任务清单, or every task waived since (said differently).
  const state = open.length === 0 ? await taskListStateOf(deps.db, unit.id) : undefined;
  const households = householdChoices(open);
  return asCard(
    filingCard({
      burstId: burst.id,
      round: await filingRoundOfBurst(deps.db, burst.id),
      summary: view.summary,
      caption: view.caption,
      notice,
      unitName: unit.name,
      suggestions: filingChoices(
        suggestions.map((s) => byId.get(s.task.taskId)!),
        new Map(suggestions.map((s) => [s.task.taskId, s.reasons])),
      ),
      households,
      named: householdsNamedIn(view.caption, households),
      unitTasks: filingChoices(open.filter((t) => t.householdId == null && !chosen.has(t.taskId))),
      // 分开交 lists each file with its tasks: nothing to split for while the unit has none.
      splittable: open.length > 0 && stored.length >= 2 && stored.length <= MAX_SPLIT_PARTS,
      ...(open.length > 0 && stored.length > MAX_SPLIT_PARTS
        ? { tooManyToSplit: { files: stored.length, max: MAX_SPLIT_PARTS } }
        : {}),
      ...(state && state.kind !== 'open' ? { noOpenTask: state } : {}),
      ...(opts.back ? { back: opts.back } : {}),
      timeZone: deps.timeZone,
    }),
  );
}

/** What a task is named by (taskLabel): 「C04 村民代表大会…」. */
type Labelled = Parameters<typeof taskLabel>[0];

/** The first choice's reason when the materials were sent as a reply to a filed burst's card. */
const SAME_AS_REPLIED = '和回复的那组同一项';

/**
 * The open task the burst whose card `messageId` is (in the same chat) was filed to, if any: the
 * officer who answers a filed card with more photos means "these belong there too".
 */
async function taskOfRepliedCard(
  deps: PresentDeps,
  messageId: string,
  chatId: string,
  open: TaskStatus[],
): Promise<TaskStatus | undefined> {
  const replied = await burstOfCard(deps.db, messageId, chatId);
  const item = replied === undefined ? undefined : await getLiveFilingOfBurst(deps.db, replied);
  return item && open.find((t) => t.taskId === item.taskId);
}

/** The summary of a burst whose merged forward is still being read (no file of it is known yet). */
function readingSummary(view: BurstView): string {
  const note = '合并转发的消息还在读取中，其中的文件读取后自动保存';
  return view.materials.length === 0 ? `收到合并转发的消息。${note}` : `${view.summary}\n${note}`;
}

/** Files the burst as its sender said (a reply, #code, a keyword): its card, or why it was refused. */
async function autoFile(
  deps: PresentDeps,
  view: BurstView,
  taskId: number,
  via: 'reply' | 'code',
): Promise<{ status: 'card'; card: OutgoingMessage } | { status: 'refused'; message: string }> {
  const outcome = await fileBurst(deps, {
    burstId: view.burst.id,
    taskId,
    actorOpenId: view.burst.senderOpenId,
    via,
  });
  if (outcome.status === 'refused') return outcome;
  return {
    status: 'card',
    card: asCard(
      resultCard(view.burst.id, view.summary, outcome, deps.clock.now(), deps.pageUrl, view.caption),
    ),
  };
}

/** The card shown after a filing (auto or by click). */
export function resultCard(
  burstId: number,
  summary: string,
  outcome: FileBurstOutcome,
  now: Date,
  pageUrl?: (path: string) => string | undefined,
  caption?: string | null,
): object {
  if (outcome.status === 'filed') {
    return filedCard({
      pageUrl: pageUrl?.(`/items/${outcome.itemId}`),
      burstId,
      itemId: outcome.itemId,
      summary,
      taskLabel: taskLabel(outcome.task),
      progressText:
        progressText(outcome.progress.filed, outcome.progress.minCount, measureOf(outcome.task.kinds)) +
        (outcome.paper ? `\n${outcome.paper}` : '') +
        (outcome.stillSaving > 0
          ? `\n另有 ${outcome.stillSaving} 个文件还在保存，保存好后自动归入本件`
          : '') +
        (outcome.elsewhere > 0 ? `\n另有 ${outcome.elsewhere} 个文件已归入别的件，未重复归入本件` : '') +
        (outcome.notStored > 0
          ? `\n⚠️ 另有 ${outcome.notStored} 个文件没有保存成功，未归入本件，请重新发送`
          : ''),
      uncounted: uncountedNote(outcome.uncounted, outcome.undoUntil.getTime() > now.getTime()),
      undoable: outcome.undoUntil.getTime() > now.getTime(),
      askDescription: outcome.kind === 'photo_group',
      // The form starts from what the caption already says (事由, 地点 …); the officer corrects it.
      descriptionDraft: draftFromCaption(caption),
    });
  }
  if (outcome.status === 'already_filed') {
    return filedCard({
      pageUrl: pageUrl?.(`/items/${outcome.itemId}`),
      burstId,
      itemId: outcome.itemId,
      summary,
      taskLabel: taskLabel(outcome.task),
      progressText: outcome.message,
      undoable: now.getTime() - outcome.filedAt.getTime() < 24 * 3600_000,
    });
  }
  return unboundCard(`${summary}\n${outcome.message}`);
}

/** 「已交齐（要2张，交了5张）」 / 「要3张，交了1张，还差2张」: counts in words, never 5/2. */
export function progressText(filed: number, minCount: number, unit = '份'): string {
  if (filed >= minCount) return `已交齐（要${minCount}${unit}，交了${filed}${unit}）`;
  return `要${minCount}${unit}，交了${filed}${unit}，还差${minCount - filed}${unit}`;
}

/**
 * The filed card's progress of an item's task, and how the item's photos count when the task takes
 * paper as photos: 「已交齐（要1份，交了1份）\n3 张照片合算 1 份（拍照的纸质件）」.
 */
export function filedProgressText(
  p: { filed: number; minCount: number; kinds: readonly string[] },
  materials: readonly { kind: string; role?: string; status?: string }[],
  /** The item's n_photo: its photos the task did not hold yet (paperNoteOf). */
  countedPhotos: number,
): string {
  const paper = paperNoteOf(materials, p.kinds, countedPhotos);
  return progressText(p.filed, p.minCount, measureOf(p.kinds)) + (paper ? `\n${paper}` : '');
}

/** 张 for photo-only tasks, 段 for audio/video-only, 份 otherwise. */
export const measureOf = (kinds: readonly string[] = []): string =>
  kinds.length > 0 && kinds.every((k) => k === 'photo')
    ? '张'
    : kinds.length > 0 && kinds.every((k) => k === 'audio' || k === 'video')
      ? '段'
      : '份';

/** One suggestion matched by a keyword and no other: the caption names the task unmistakably. */
function clearKeywordMatch(s: Suggestion[]): Suggestion | undefined {
  const byKeyword = s.filter((x) => x.reasons.some((r) => r.startsWith('关键词')));
  return byKeyword.length === 1 && byKeyword[0] === s[0] && s[0]!.task.missing > 0 ? s[0] : undefined;
}

function countByKind(ms: { kind: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of ms) out[m.kind] = (out[m.kind] ?? 0) + 1;
  return out;
}

/** A task status as a suggestion candidate (bench/filing.ts times the same mapping). */
export const toCandidate = (t: TaskStatus) => ({
  taskId: t.taskId,
  code: t.code,
  title: t.title,
  keywords: t.keywords,
  kinds: t.kinds,
  dueAt: t.dueAt,
  missing: t.missing,
  householdName: t.householdName,
});
