import { CONFIRM_ARCHIVE } from '../cards/actions.js';
import { ARCHIVE_CONFIRM_JOB, type JobPayload } from '../domain/job-types.js';
import {
  confirmPreviewCard,
  confirmResultCard,
  type ConfirmArchiveValue,
} from '../cards/confirm-preview-card.js';
import { findTaskByCode, yearsWithUnconfirmed } from '../db/repos/archive-items.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { hasUnitRole } from '../db/repos/people.js';
import { getUnitById } from '../db/repos/units.js';
import { recordsOfConfirmBatch } from '../db/repos/archive-records.js';
import { DomainError, PermanentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { BotDeps } from './deps.js';
import { cardAction, type CommandHandler, type DeclaredCardAction, type JobAttempt } from './feature.js';
import { previewConfirm } from './preview-confirm.js';
import { sampleFondsRefusal, type FondsSettings } from './sample-fonds-guard.js';
import { replyCard, replyText } from './reply-text.js';
import { confirmArchive, confirmedOutcome } from './confirm-archive.js';
import type { ArchiveConfig } from '../archive/archive-config.js';
import type { PreviewedSet } from '../domain/previewed-set.js';
import { commandTarget } from './command-target.js';
import { unitCalled } from './unit-naming.js';
import { chatTypeOf } from '../db/repos/chats.js';
import { getTaskContext } from '../db/repos/tasks.js';
import { chatWhere, confirmCommandText, sentAs } from '../domain/export-again.js';

export type ConfirmJobPayload = JobPayload<typeof ARCHIVE_CONFIRM_JOB>;

/**
 * `@bot 确认归档 [年度] [任务编号] [单位]` (archivists): shows what would get its 档号 (per class,
 * and what is not ready) with a 确认归档 button. Without a year: the only year with unconfirmed
 * items, or a question listing them. Under archive.yaml's sample fonds, the refusal instead (no button).
 */
export function confirmCommand(opts: { config: FondsSettings }): CommandHandler {
  return async (deps, msg, cmd, access) => {
    const reply = (text: string) => replyText(deps.gateway, msg.messageId, text, `confirm-${msg.messageId}`);
    deps.metrics.inc('commands_total', { command: 'confirm' });
    // Every command the answer names, as it is sent in this chat (the @ in a group).
    const where = chatWhere(msg.chatType);
    const target = await commandTarget(deps.db, msg, cmd.args);
    // The dispatcher checked the sender's role on this unit (archivists: the declared audience).
    const unit = access.unit;
    if (!unit)
      return reply(
        `请在单位工作群里发送，或写上单位名称，如「${sentAs(confirmCommandText('东村', 2025), where)}」`,
      );
    // Two 东村: named apart (城关镇东村), in the text, the card and the command to send.
    const called = await unitCalled(deps.db, unit);
    let year = target.year;
    if (year === undefined) {
      const years = await yearsWithUnconfirmed(deps.db, unit.path);
      if (years.length === 0) return reply(`${called.shown}没有待确认的材料`);
      if (years.length > 1)
        return reply(
          `${called.shown}有多个年度待确认：${years.map((y) => `${y.year}年度 ${y.n}件`).join('，')}。` +
            `请发送「${sentAs(confirmCommandText(called.asked, years[years.length - 1]!.year), where)}」`,
        );
      year = years[0]!.year;
    }
    let taskId: number | undefined;
    const code = target.rest[0];
    if (code) {
      const task = await findTaskByCode(deps.db, unit.id, code, year);
      if (!task) return reply(`${called.shown}${year}年度没有编号为 ${code} 的任务`);
      taskId = task.id;
    }
    const drawn = await previewCard(deps, opts.config, { ...unit, name: called.shown }, year, taskId);
    if ('answer' in drawn) return reply(drawn.answer);
    await replyCard(deps.gateway, msg.messageId, drawn.card, `confirm-${msg.messageId}`);
  };
}

/**
 * The preview card of what 确认归档 would number now, its button carrying that set (its tap numbers
 * those 件 and no others); or, instead, the answer when there is nothing to number or the numbering
 * would be refused (archive.yaml's sample fonds: said before anyone taps).
 */
async function previewCard(
  deps: BotDeps,
  config: FondsSettings,
  unit: { id: number; name: string; path: string; code: string },
  year: number,
  taskId: number | undefined,
  note?: string,
): Promise<{ card: object; shown: PreviewedSet } | { answer: string; refused: boolean }> {
  const preview = await previewConfirm(deps.db, { unitPath: unit.path, year, taskId });
  if (preview.total === 0) return { answer: `${unit.name}${year}年度没有待确认的材料`, refused: false };
  const sample = await sampleFondsRefusal(deps.db, config, unit, preview.unitPaths);
  if (sample) return { answer: sample, refused: true };
  const value: ConfirmArchiveValue = {
    u: unit.id,
    y: year,
    ...preview.shown,
    ...(taskId ? { t: taskId } : {}),
  };
  const pageUrl = deps.pageUrl?.(
    `/units/${unit.id}/unconfirmed?year=${year}${taskId ? `&task=${taskId}` : ''}`,
  );
  return { card: confirmPreviewCard(unit.name, year, preview, value, pageUrl, note), shown: preview.shown };
}

/**
 * The preview card's 确认归档 (archivists): queues the numbering as a job (it counts PDF pages, more
 * than a callback's 3 seconds allow) and answers at once; the job replaces the card with the result.
 */
export function confirmArchiveAction(opts: { wakeJobs: () => void }): DeclaredCardAction {
  return cardAction({
    type: CONFIRM_ARCHIVE,
    handle: async (deps, a) => {
      const unit = await getUnitById(deps.db, a.value.u);
      if (!unit) throw new DomainError('unit_not_found', '找不到这个单位');
      // Two 东村: named apart (城关镇东村).
      const { shown } = await unitCalled(deps.db, unit);
      if (!(await hasUnitRole(deps.db, a.operatorOpenId, unit, ['archivist', 'admin'])))
        return { toast: { type: 'error', content: `只有${shown}或上级的档案员才能确认归档` } };
      const payload: ConfirmJobPayload = {
        unitId: unit.id,
        year: a.value.y,
        ...(a.value.t !== undefined ? { taskId: a.value.t } : {}),
        actor: a.operatorOpenId,
        messageId: a.messageId,
        ...(a.chatId ? { chatId: a.chatId } : {}),
        ...(a.value.n !== undefined && a.value.m !== undefined && a.value.h !== undefined
          ? { shown: { n: a.value.n, m: a.value.m, h: a.value.h } }
          : {}),
      };
      const now = deps.clock.now();
      const fresh = await enqueueJob(
        deps.db,
        {
          type: ARCHIVE_CONFIRM_JOB,
          // A card drawn again (its set changed) is tapped again: one job per set it showed.
          key: a.messageId
            ? `${a.messageId}${payload.shown ? `:${payload.shown.h}` : ''}`
            : `${unit.id}-${payload.year}-${now.getTime()}`,
          payload,
          runAt: now,
          maxAttempts: 3,
        },
        now,
      );
      opts.wakeJobs();
      if (!fresh) return { toast: { type: 'info', content: '已经在确认了，请稍候' } };
      return {
        toast: { type: 'info', content: '正在编档号…' },
        card: {
          type: 'raw',
          data: confirmResultCard(
            '正在确认归档',
            `正在给${shown}${payload.year}年度的材料编档号，完成后更新这张卡片。`,
            'blue',
          ),
        },
      };
    },
  });
}

/**
 * The job: numbers the items and puts the outcome on the preview card. On its last attempt (or one
 * that cannot succeed) a failure is put on the card too, instead of leaving it at 「正在确认归档」.
 */
export async function runConfirmJob(
  deps: BotDeps,
  opts: { config: ArchiveConfig; blobs: BlobStore },
  p: ConfirmJobPayload,
  log: Logger,
  attempt: JobAttempt,
): Promise<void> {
  try {
    await confirmAndTell(deps, opts, p);
  } catch (err) {
    if (attempt.attempts >= attempt.maxAttempts || err instanceof PermanentError) {
      log.error({ unitId: p.unitId, year: p.year, err }, 'archive confirmation failed for good');
      await confirmJobFailed(deps, p, log);
    }
    throw err;
  }
}

async function confirmAndTell(
  deps: BotDeps,
  opts: { config: ArchiveConfig; blobs: BlobStore },
  p: ConfirmJobPayload,
): Promise<void> {
  const found = await getUnitById(deps.db, p.unitId);
  if (!found) throw new DomainError('unit_not_found', '找不到这个单位');
  // Two 东村: the result says which (城关镇东村), and so does the command it says to send.
  const called = await unitCalled(deps.db, found);
  const unit = { ...found, name: called.shown };
  if (!p.shown) {
    // A card drawn before its button carried the set it showed: what it numbered (a retry), else the
    // preview drawn again, so that what gets numbered is what the archivist sees.
    const done = p.messageId ? await recordsOfConfirmBatch(deps.db, p.messageId) : [];
    if (done.length > 0 && p.messageId)
      return deps.gateway.patchCard({
        messageId: p.messageId,
        card: confirmResultCard('已确认归档', confirmedOutcome(unit.name, p.year, done).message, 'green'),
      });
    return drawAgain(deps, opts.config, unit, p, '请核对下面列出的材料再确认归档，确认后才编档号。');
  }
  const outcome = await confirmArchive(
    { db: deps.db, clock: deps.clock, rules: opts.config, blobs: opts.blobs },
    {
      unitId: p.unitId,
      year: p.year,
      taskId: p.taskId,
      actor: p.actor,
      source: 'card',
      // A retry after the numbering committed (the card update failed) reports what it numbered.
      ...(p.messageId ? { batch: p.messageId } : {}),
      shown: p.shown,
      again: await confirmAgain(deps, p, called.asked),
      unitName: called.shown,
    },
  );
  if (outcome.status === 'changed')
    return drawAgain(deps, opts.config, unit, p, outcome.message, outcome.message.split('。')[0]);
  const text = outcome.message.length > 1500 ? `${outcome.message.slice(0, 1500)}…` : outcome.message;
  const card = confirmResultCard(
    outcome.status === 'confirmed' ? '已确认归档' : '确认归档',
    text,
    outcome.status === 'confirmed' ? 'green' : outcome.status === 'refused' ? 'red' : 'blue',
  );
  if (p.messageId) await deps.gateway.patchCard({ messageId: p.messageId, card });
}

/**
 * The preview card drawn again in place of the tapped one, with `note` saying why nothing was numbered
 * (or the answer, when nothing is left to number or it would be refused).
 */
async function drawAgain(
  deps: BotDeps,
  config: ArchiveConfig,
  unit: { id: number; name: string; path: string; code: string },
  p: ConfirmJobPayload,
  note: string,
  /** What the answer says first when nothing is left to number. */
  why?: string,
): Promise<void> {
  if (!p.messageId) return;
  const drawn = await previewCard(deps, config, unit, p.year, p.taskId, note);
  // The set changed and changed back before this was drawn: its button would be this job's own again.
  if ('shown' in drawn && p.shown && drawn.shown.h === p.shown.h)
    throw new Error('the previewed set changed during the confirmation and back; trying again');
  const card =
    'answer' in drawn
      ? confirmResultCard(
          '确认归档',
          why ? `${why}。${drawn.answer}` : drawn.answer,
          drawn.refused ? 'red' : 'blue',
        )
      : drawn.card;
  await deps.gateway.patchCard({ messageId: p.messageId, card });
}

/**
 * The confirmation failed for good, or its process died on the last attempt (the job's onDead): the
 * card says what happened — the 档号 its batch gave if the numbering committed, else that none were
 * given and the exact 确认归档 to send again — instead of 「正在确认归档」 for ever.
 */
export async function confirmJobFailed(deps: BotDeps, p: ConfirmJobPayload, log: Logger): Promise<void> {
  if (!p.messageId) return;
  try {
    const done = await recordsOfConfirmBatch(deps.db, p.messageId);
    const found = await getUnitById(deps.db, p.unitId);
    const unit = found && (await unitCalled(deps.db, found));
    const card =
      done.length > 0 && unit
        ? confirmResultCard('已确认归档', confirmedOutcome(unit.shown, p.year, done).message, 'green')
        : confirmResultCard(
            '确认归档没有完成',
            `确认归档没有完成，没有编任何档号。可以再发送一次「${await confirmAgain(deps, p, unit?.asked)}」；如果再次失败，请联系管理员。`,
            'red',
          );
    await deps.gateway.patchCard({ messageId: p.messageId, card });
  } catch (err) {
    log.error({ err }, 'could not tell the card that the confirmation failed');
  }
}

/**
 * The command that confirms the card's unit, year (and task) again, as it is sent in the card's chat:
 * 「@归档助手 确认归档 东村 2025」 in a group, 「确认归档 东村 2025」 to the bot directly. A job queued
 * before its payload named the chat takes the group form (confirmation cards are mostly in groups);
 * the bare 「确认归档」 (as sent there) if the unit is gone.
 */
async function confirmAgain(deps: BotDeps, p: ConfirmJobPayload, unitName: string | undefined) {
  const where = chatWhere(p.chatId ? await chatTypeOf(deps.db, p.chatId) : undefined);
  if (!unitName) return sentAs('确认归档', where);
  const task = p.taskId !== undefined ? await getTaskContext(deps.db, p.taskId) : undefined;
  return sentAs(confirmCommandText(unitName, p.year, task?.code), where);
}
