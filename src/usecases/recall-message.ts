import {
  insertArchiveAudit,
  lowerRecordPages,
  markPhotoNumbersRecalled,
  withdrawRecord,
} from '../db/repos/archive-records.js';
import { insertAudit } from '../db/repos/audit.js';
import { markItemUndone } from '../db/repos/filings.js';
import {
  burstWhollyRecalled,
  dropQueuedWork,
  insertRecall,
  lockRecallBursts,
  lockRecalledMaterials,
  lockRecallItems,
  lockRecallOf,
  markRecalled,
  messageForRecall,
  takeOffLiveItems,
  type ItemTakenOff,
} from '../db/repos/message-recalls.js';
import { getLiveBinding } from '../db/repos/units-chat-bindings.js';
import { RECALL_CARD_JOB, RECALL_NOTICE_JOB } from '../domain/job-types.js';
import { RECALLED_REASON } from '../domain/catalogue.js';
import { plainDate } from '../domain/plain-date.js';
import { changedAfterTransfer, transferredAfter, transfersPath } from '../domain/transfer-changes.js';
import { packagesHoldingRecord } from '../db/repos/transfer-packages.js';
import { RECALLED_BY, type MessageRecall } from '../domain/incoming.js';
import { enqueueJob } from '../db/repos/jobs.js';
import type { Tx } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { BotDeps } from './deps.js';
import { archivistsOf } from './archivists-of.js';
import { enqueueNotify, textContent } from './notify.js';
import { getUnitById } from '../db/repos/units.js';
import { topAdmins } from '../db/repos/people.js';
import { sendKey } from '../domain/send-key.js';
import { captionBurstsNear, recalledTextOf } from '../db/repos/recalled-captions.js';
import { dropRecalledCaption, type CaptionOutcome } from './recall-caption.js';
import type { BurstItemTitle } from '../db/repos/recalled-captions.js';

export type RecallOutcome =
  /** The message's materials left the archive path (or it had none: a text, a caption). */
  | { status: 'recalled'; materials: number; items: number }
  /** The bot has not seen the message (yet): kept, so it is marked when it arrives (out of order). */
  | { status: 'unseen' }
  /** Recorded before (Lark delivered it again under another event id). */
  | { status: 'repeat' }
  /** The recall names another chat than the message's: refused, nothing changes. */
  | { status: 'refused' };

/** What the officer reads under the card of the burst (short, plain). */
const RECALLED_TEXT = '已撤回的材料不再归档。';

/**
 * An officer (or the group's owner) recalled (撤回) a message: what the bot kept of it leaves the
 * archive path, in one transaction, under the lock the message's capture takes too (so the order the
 * two events arrive in does not matter):
 * - the recall is recorded (message, chat, time, Lark's recall_type), once: a repeat changes nothing;
 * - its materials become `recalled` (never offered for filing, exported, checked or counted) and
 *   queued work for them is dropped (downloads are not retried); the texts kept of it are dropped;
 * - a live filing holding them loses them, its counts too (tasks are recounted); a filing left empty is
 *   undone, and a 档号 it held is withdrawn (the number is retired, as 撤销确认 does);
 * - the audit trail says who (Lark's recall_type; the sender when they recalled it) and when, never what;
 * - when the burst was answered, one short reply under its card says the recalled files are not filed,
 *   its cards are drawn again without them (filed or still to be filed), and once none of its files is
 *   left they say so, without task buttons;
 * - a confirmed 件 changed (a file taken off, or its 档号 withdrawn) is told to the unit's archivists.
 * A recall naming another chat than the message's is refused. Stored bytes are never deleted: blobs
 * are content-addressed and may be shared by another material with the same bytes.
 */
export async function recallMessage(
  deps: Pick<BotDeps, 'db' | 'clock' | 'metrics' | 'pageUrl' | 'timeZone'>,
  recall: MessageRecall,
  log: Logger,
): Promise<RecallOutcome> {
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx): Promise<RecallOutcome> => {
    await lockRecallOf(tx, recall.messageId);
    const message = await messageForRecall(tx, recall.messageId);
    if (message && message.chatId !== recall.chatId) return { status: 'refused' };
    if (!(await insertRecall(tx, recall, now))) return { status: 'repeat' };
    const binding = await getLiveBinding(tx, recall.chatId);
    const who =
      recall.recallType === 'message_owner' && message?.senderOpenId
        ? message.senderOpenId
        : `lark:${recall.recallType ?? 'unknown'}`;
    const audit = {
      at: now,
      actor: who,
      action: 'recall' as const,
      source: 'chat' as const,
      chatId: recall.chatId,
    };
    const facts = {
      messageId: recall.messageId,
      recallType: recall.recallType ?? null,
      recalledAt: recall.recalledAt.toISOString(),
    };
    if (!message) {
      await insertAudit(tx, {
        ...audit,
        unitId: binding?.unitId ?? null,
        details: { ...facts, seen: false },
      });
      return { status: 'unseen' };
    }
    // Read before it is dropped: the captions and 题名 it was copied into lose it below.
    const text = await recalledTextOf(tx, recall.messageId);
    // Locks first, in one order: the materials, their bursts (and those whose caption holds the
    // text), then the items — the order a download that finishes takes them in, and a 移出 / 并入
    // takes the items in — before any of them, a file row or a search row is written.
    // Both lists of bursts are locked in one statement, in id order: two recalls at once (each message's
    // burst near the other's text) never take them in opposite orders.
    const held = await lockRecalledMaterials(tx, recall.messageId);
    const own = new Set(held.map((m) => m.burstId).filter((b): b is number => b !== null));
    const captioned = text ? await captionBurstsNear(tx, text, false) : [];
    const locked = await lockRecallBursts(tx, [...new Set([...own, ...captioned.map((b) => b.id)])]);
    const bursts = locked.filter((b) => own.has(b.id));
    await lockRecallItems(
      tx,
      held.map((m) => m.id),
      locked.map((b) => b.id),
    );
    const materials = await markRecalled(tx, recall.messageId);
    const ids = materials.map((m) => m.id);
    const dropped = await dropQueuedWork(tx, recall.messageId, ids, now);
    const captions = text ? await dropRecalledCaption(tx, text) : undefined;
    const items = await takeOffLiveItems(tx, ids);
    const pages = new Map<number, RecordPages>();
    for (const item of items) {
      if (item.archiveRecordId !== null) {
        // The photos after it keep their confirmed 照片号; the catalogue states the unused 张号.
        await markPhotoNumbersRecalled(tx, item.archiveRecordId, item.materialIds, now);
        if (item.remaining > 0)
          pages.set(item.itemId, await lowerRecordPages(tx, item.archiveRecordId, item.materialIds));
      }
      await closeEmptiedItem(tx, item, who, now);
    }
    // A 档号 the recall retired that a 移交包 carried: the county archive must be sent a correction; one
    // kept with files taken off it is a 移交后变更 too (文件已撤回: the archive's copy holds them).
    const transferred = new Map<number, string>();
    for (const item of items)
      if (item.archiveRecordId !== null && item.archivalCode !== null) {
        const [first] = await packagesHoldingRecord(tx, item.archiveRecordId);
        if (!first) continue;
        const on = plainDate(first.handedAt, now, deps.timeZone);
        const url = deps.pageUrl?.(transfersPath(item.unitId));
        transferred.set(
          item.itemId,
          item.remaining === 0
            ? transferredAfter(on, item.archivalCode, url)
            : changedAfterTransfer(on, item.archivalCode, '文件', url),
        );
      }
    for (const item of items)
      if (item.archivalCode !== null)
        await tellArchivists(
          tx,
          item.unitId,
          (unit) =>
            recallArchivistText(
              unit,
              item,
              recall.recallType,
              pages.get(item.itemId),
              deps.pageUrl,
              transferred.get(item.itemId),
            ),
          ['recall-archivist', item.itemId, item.materialIds[0] ?? 0],
          now,
        );
    // Whose confirmed 题名 keeps the recalled words: the archivists correct it, nothing is rewritten.
    for (const { item, title } of captions?.confirmed ?? [])
      await tellArchivists(
        tx,
        item.unitId,
        (unit) => recalledTitleText(unit, item, title, recall.recallType, deps.pageUrl),
        ['recall-title', item.itemId, recall.messageId],
        now,
      );
    const item = items[0];
    await insertAudit(tx, {
      ...audit,
      unitId: item?.unitId ?? binding?.unitId ?? null,
      taskId: item?.taskId ?? null,
      itemId: item?.itemId ?? null,
      burstId: bursts[0]?.id ?? null,
      details: {
        ...facts,
        materialIds: ids,
        queuedWorkDropped: dropped,
        ...(items.length > 0
          ? {
              takenOff: items.map((x) => ({
                itemId: x.itemId,
                materialIds: x.materialIds,
                remaining: x.remaining,
                ...(x.archivalCode ? { archivalCode: x.archivalCode } : {}),
              })),
            }
          : {}),
        ...captionFacts(captions),
      },
    });
    // Each further item it took files off gets its own row (its audit trail, and 文件已撤回 after a
    // 移交包 is read by item).
    for (const x of items.slice(1))
      await insertAudit(tx, {
        ...audit,
        unitId: x.unitId,
        taskId: x.taskId,
        itemId: x.itemId,
        details: {
          ...facts,
          takenOff: [
            {
              itemId: x.itemId,
              materialIds: x.materialIds,
              remaining: x.remaining,
              ...(x.archivalCode ? { archivalCode: x.archivalCode } : {}),
            },
          ],
        },
      });
    // Said under the burst's card when one went out (or is going out); an unanswered burst's card
    // is drawn later without the recalled files. Keyed by the burst and the words: photos recalled one
    // by one (each its own message, so its own recall) are told once, not once each; a different
    // outcome (the filing now cancelled) is told.
    const burst = bursts.find((b) => b.answered);
    if (burst && ids.length > 0)
      await enqueueJob(
        tx,
        {
          type: RECALL_NOTICE_JOB,
          key: `${burst.id}:${recallNoticeText(items)}`,
          payload: {
            chatId: burst.chatId,
            ...(burst.ackMessageId ? { replyTo: burst.ackMessageId } : {}),
            text: recallNoticeText(items),
            uuid: `recall-${ids[0]}`,
          },
          runAt: now,
        },
        now,
      );
    // Nothing of an answered burst is left: its cards stop offering tasks (patched once, by the burst).
    // Some recalled: its cards, filed or still to be filed (the reply, and copies sent again by a
    // reminder or 未归档), are drawn without them (once per recall: each changes what is left).
    for (const b of bursts) {
      if (!b.answered || ids.length === 0) continue;
      const key = (await burstWhollyRecalled(tx, b.id)) ? String(b.id) : `${b.id}:${recall.messageId}`;
      await enqueueJob(tx, { type: RECALL_CARD_JOB, key, payload: { burstId: b.id }, runAt: now }, now);
    }
    return { status: 'recalled', materials: ids.length, items: items.length };
  });
  deps.metrics.inc('message_recalls_total', { result: outcome.status }, 1, 'Recalled messages by outcome');
  const at = { messageId: recall.messageId, chatId: recall.chatId, recallType: recall.recallType };
  if (outcome.status === 'refused')
    log.warn(at, "recall refused: it names another chat than the message's; nothing changed");
  else log.info({ ...at, ...outcome }, 'message recalled');
  return outcome;
}

/**
 * A filing the recall left without any file is undone (actor: who recalled), and a 档号 it held is
 * withdrawn with the reason, audited like 撤销确认: an item with no electronic file cannot stay in the
 * archive. An item that still holds files keeps its filing and its number.
 */
async function closeEmptiedItem(tx: Tx, item: ItemTakenOff, who: string, now: Date): Promise<void> {
  if (item.remaining > 0) return;
  if (item.archiveRecordId !== null && item.archivalCode !== null) {
    if (await withdrawRecord(tx, item.archiveRecordId, who, now, RECALLED_REASON)) {
      // As 撤销确认's: the audit names the 移交包 that carried the number (移交后变更).
      const packages = await packagesHoldingRecord(tx, item.archiveRecordId);
      await insertArchiveAudit(tx, [
        {
          at: now,
          actor: who,
          action: 'unconfirm',
          source: 'chat',
          unitId: item.unitId,
          taskId: item.taskId,
          itemId: item.itemId,
          details: {
            archivalCode: item.archivalCode,
            reason: RECALLED_REASON,
            ...(packages.length > 0
              ? { transferPackages: packages.map((p) => p.id), correctionToArchive: true }
              : {}),
          },
        },
      ]);
    }
  }
  await markItemUndone(tx, item.itemId, who, now);
}

/**
 * A recall changed a confirmed 件 (a file taken off it, its 档号 withdrawn, or its 题名 holds recalled
 * words): its unit's archivists (the closest up the tree, as for 申请更正; else the top admins) get a
 * direct message in the recall's transaction, like the correction cards, so the archive does not change
 * without them knowing.
 */
async function tellArchivists(
  tx: Tx,
  unitId: number,
  text: (unitName: string) => string,
  key: (string | number)[],
  now: Date,
) {
  const unit = await getUnitById(tx, unitId);
  if (!unit) return;
  const archivists = await archivistsOf(tx, unit.path);
  const to = archivists.length > 0 ? archivists : (await topAdmins(tx)).slice(0, 20);
  const content = textContent(text(unit.name));
  for (const openId of to)
    await enqueueNotify(
      tx,
      {
        receiveIdType: 'open_id',
        receiveId: openId,
        msgType: 'text',
        content,
        uuid: sendKey(...key, openId),
      },
      now,
    );
}

/** The audit row's record of the captions and 题名 the recalled text left (ids only, never words). */
function captionFacts(c: CaptionOutcome | undefined) {
  if (!c || c.bursts.length === 0) return {};
  return {
    captionOf: c.bursts,
    ...(c.retitled.length > 0 ? { retitled: c.retitled } : {}),
    ...(c.confirmed.length > 0 ? { confirmedTitleKept: c.confirmed.map((x) => x.item.itemId) } : {}),
  };
}

type RecordPages = Awaited<ReturnType<typeof lowerRecordPages>>;

/**
 * Where the archivist corrects a 件's 著录: its page's 更正著录 form (PUBLIC_URL set), said last so
 * nothing follows the link; without pages, the command (`cli`) in brackets, as the fallback.
 */
function whereToCorrect(itemId: number, cli: string, pageUrl?: BotDeps['pageUrl']) {
  const link = pageUrl?.(`/items/${itemId}#describe`);
  return link ? { inline: '', after: `请在条目页更正：${link}` } : { inline: `（${cli}）`, after: '' };
}

/**
 * What the archivist reads: which 件 (档号, task), what changed, what to do if it is still needed, and
 * (`transferred`) what a 移交包 that carried it means now; each link last on its own line.
 */
function recallArchivistText(
  unitName: string,
  item: ItemTakenOff,
  recallType?: string,
  pages?: RecordPages,
  pageUrl?: BotDeps['pageUrl'],
  transferred = '',
): string {
  const by = `被${RECALLED_BY[recallType ?? ''] ?? ''}撤回`;
  const what = `${unitName}已确认归档的 ${item.archivalCode}（${item.taskTitle}）`;
  const fix = whereToCorrect(item.itemId, `archive describe --item ${item.itemId} --pages 页数`, pageUrl);
  // Both 请核对页数 notes say where to correct it; 页数改为 N needs nothing done.
  const check = pages?.described != null || !!pages?.pdfs;
  const pagesNote =
    pages?.described != null
      ? `，著录的页数 ${pages.described} 没有自动修改，请核对页数${fix.inline}`
      : pages?.pdfs
        ? `，去掉的文件中有 PDF，请核对页数${fix.inline}`
        : pages?.pages != null
          ? `，页数改为 ${pages.pages}`
          : '';
  if (item.remaining === 0)
    return `${what}的文件都${by}，这件已撤下，档号已停用（材料已撤回）。如仍需归档，请让经办人重新发送并归档，再确认归档。${transferred}`;
  const after = check ? fix.after : '';
  return (
    `${what}有 ${item.materialIds.length} 个文件${by}，已从这件中去掉，还剩 ${item.remaining} 个文件，档号不变${pagesNote}。` +
    (transferred && after ? `${transferred}\n${after}` : `${transferred}${after}`)
  );
}

/**
 * What the archivist reads when a confirmed 件's 题名 was taken from a recalled message: which 件, that
 * the 题名 was left as confirmed, what it would be without the recalled words, and how to correct it.
 * The recalled words themselves are not repeated.
 */
function recalledTitleText(
  unitName: string,
  item: BurstItemTitle,
  title: string,
  recallType?: string,
  pageUrl?: BotDeps['pageUrl'],
): string {
  const by = `被${RECALLED_BY[recallType ?? ''] ?? ''}撤回`;
  const fix = whereToCorrect(item.itemId, `archive describe --item ${item.itemId} --title 题名`, pageUrl);
  return (
    `${unitName}已确认归档的 ${item.archivalCode}（${item.taskTitle}）的题名取自一条${by}的消息，题名没有自动修改。` +
    `去掉撤回的内容后为「${title}」。请核对后更正题名${fix.inline}。${fix.after}`
  );
}

/** One short line: the recalled files are not filed, and what happened to the filing they were in. */
function recallNoticeText(items: ItemTakenOff[]): string {
  const item = items[0];
  if (!item) return RECALLED_TEXT;
  return item.remaining > 0
    ? `已撤回的材料不再归档，已从「${item.taskTitle}」中去掉。`
    : `已撤回的材料不再归档，交到「${item.taskTitle}」的这次提交已取消。`;
}
