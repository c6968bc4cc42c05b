import { LATE_CAPTION_MS } from '../domain/burst.js';
import { CAPTION_MAX_CHARS } from '../domain/caption-without.js';
import { parseTaskCode } from '../domain/task-code.js';
import { learnNamesLater } from '../db/repos/people.js';
import { summarizeBurst, tooLargeLimitMb, type BurstCounts } from '../domain/burst-summary.js';
import { refusedFormatLines } from '../domain/format-advice.js';
import type { MaterialKind } from '../domain/material-kind.js';
import {
  claimBurstAck,
  compressedNoteGivenToday,
  getBurst,
  previousBurstCaption,
  setBurstAck,
  type BurstRow,
} from '../db/repos/bursts.js';
import { materialsOfBurst, type BurstMaterial } from '../db/repos/materials.js';
import { burstWhollyRecalled, replyTargetOfBurst } from '../db/repos/message-recalls.js';
import { textsBetween } from '../db/repos/messages.js';
import type { OutgoingMessage } from '../ports/chat-gateway.js';
import type { BotDeps } from './deps.js';
import { joinRepliedCard } from './join-replied-card.js';

export interface BurstView {
  burst: BurstRow;
  materials: BurstMaterial[];
  /** Texts the sender wrote just before, during and right after the burst. */
  caption: string | null;
  /** The plain acknowledgment ("收到 9 张照片…" plus what needs the sender's action). */
  summary: string;
}

/**
 * Lark drops a repeated send `uuid` for an hour. A reply first claimed longer ago than this may have
 * gone out (the process stopped between sending and recording it): sending it again could show the
 * chat a second copy, so it is not sent again.
 */
export const REPLY_UUID_WINDOW_MS = 50 * 60_000;

/**
 * Turns a closed burst into the reply (the filing feature replaces the text with its card). `auto`
 * false: only the card, never a filing by the caption's code or keyword (a card drawn again).
 */
export type BurstPresenter = (
  deps: BotDeps,
  view: BurstView,
  opts?: { auto?: boolean },
) => Promise<OutgoingMessage>;

/**
 * One reply per burst, to its first message: what arrived and what the sender must redo.
 * Sent at most once: the intent is recorded before the send (claim), the reply carries a uuid derived
 * from the burst (the gateway scopes it to this install) so a retry within Lark's hour is dropped as a
 * repeat, the sent reply is recorded (mark), and a claim older than that hour is never sent again.
 */
export async function acknowledgeBurst(
  deps: BotDeps,
  burstId: number,
  opts: { quietWindowMs: number; maxFileBytes: number; present?: BurstPresenter },
): Promise<void> {
  const burst = await getBurst(deps.db, burstId);
  if (!burst || burst.ackMessageId) return;
  // A text the sender's burst before already read as its caption (a 「#C05」 written just before that
  // one closed) is not this one's too: it would file this burst by the other's code.
  const readBefore = await previousBurstCaption(deps.db, burst, LATE_CAPTION_MS);
  const near = { chatId: burst.chatId, senderOpenId: burst.senderOpenId, readBefore };
  const from = new Date(burst.firstAt.getTime() - opts.quietWindowMs);
  const texts = await textsBetween(deps.db, { ...near, from, to: burst.closesAt });
  // 「#C05 村两委会议」 typed first, then 9 原图 photos that a village connection takes a minute to send:
  // the newest text holding a task code up to LATE_CAPTION_MS before them, as a caption after them counts
  // that long (late-caption.ts), unless the texts around them name a task themselves.
  if (!texts.some((t) => parseTaskCode(t))) {
    const early = await textsBetween(deps.db, {
      ...near,
      from: new Date(burst.firstAt.getTime() - LATE_CAPTION_MS),
      to: new Date(from.getTime() - 1),
    });
    const coded = early.filter((t) => parseTaskCode(t)).at(-1);
    if (coded !== undefined) texts.unshift(coded);
  }
  const caption = texts.length > 0 ? texts.join('\n').slice(0, CAPTION_MAX_CHARS) : null;
  // Sent in reply to a filing card nobody tapped yet (with the filing feature, which draws cards): it
  // joins that card's files and the card is drawn again, instead of a second card.
  if (opts.present && (await joinRepliedCard(deps, burst, caption)) !== undefined) return;
  // Claimed (with the caption) before anything is sent or filed: an automatic filing reads the caption.
  const claimedAt = await claimBurstAck(deps.db, burstId, deps.clock.now(), caption);
  if (!claimedAt) return;
  // The sender is named on the item's page and as the photographer: their name is learnt if unknown.
  // Once per burst here, not per message in the capture's transaction (the hot path).
  await learnNamesLater(deps.db, [burst.senderOpenId], deps.clock.now());
  // Read after the claim: a file that ends unsaved from now on is told in a notice of its own
  // (download-record.ts), one that ended before is in this reply.
  const materials = await materialsOfBurst(deps.db, burstId);
  // Everything in it was recalled (撤回): there is nothing to file and nothing to say.
  if (materials.length === 0 && (await burstWhollyRecalled(deps.db, burstId))) {
    deps.logger.info({ burstId }, 'burst recalled before its reply; no reply');
    return;
  }
  if (deps.clock.now().getTime() - claimedAt.getTime() > REPLY_UUID_WINDOW_MS) {
    deps.metrics.inc('bursts_ack_abandoned_total');
    deps.logger.warn(
      { burstId, claimedAt },
      'burst reply claimed long ago and never recorded as sent; not sent again (it may have gone out)',
    );
    return;
  }
  const view: BurstView = {
    burst: { ...burst, caption },
    materials,
    caption,
    // How to send originals (原图) is said once per sender and day, on the first card with a
    // compressed photo; the cards drawn again later leave it out.
    summary: burstSummary(materials, opts.maxFileBytes, {
      compressedNote: !(await compressedNoteGivenToday(deps.db, burst, deps.clock.now(), deps.timeZone)),
    }),
  };
  const message = opts.present
    ? await opts.present(deps, view)
    : { msgType: 'text' as const, content: JSON.stringify({ text: view.summary }) };
  const res = await deps.gateway.reply({
    messageId: (await replyTargetOfBurst(deps.db, burstId)) ?? burst.firstMessageId,
    message,
    uuid: `burst-${burstId}`,
  });
  await setBurstAck(deps.db, burstId, res.messageId, caption);
  deps.metrics.inc('bursts_acknowledged_total');
}

export function burstSummary(
  materials: BurstMaterial[],
  maxFileBytes: number,
  o: { compressedNote?: boolean } = {},
): string {
  const counts: BurstCounts = {};
  const name = materialName;
  // A video's cover goes with its video: the sender has no cover to send again (a lost one would
  // be named 「照片」, a photo that was never sent), and it is not a second file downloading or repeated.
  const own = materials.filter((m) => m.role !== 'cover');
  const pick = (status: string) => own.filter((m) => m.status === status).map(name);
  for (const m of materials) {
    if ((m.status === 'stored' || m.status === 'pending') && m.role !== 'cover') {
      counts[m.kind as MaterialKind] = (counts[m.kind as MaterialKind] ?? 0) + 1;
    }
  }
  // Our own limit when it was the reason for every one; Lark refusing a file (234037) has its own.
  const tooLarge = own.filter((m) => m.status === 'too_large');
  const overOurLimit = tooLarge.every((m) => m.sizeBytes !== null && m.sizeBytes > maxFileBytes);
  let text = summarizeBurst(counts, {
    needsReupload: own.filter((m) => m.status === 'needs_reupload' && m.forwarded !== false).map(name),
    refused: own.filter((m) => m.status === 'needs_reupload' && m.forwarded === false).map(name),
    tooLarge: tooLarge.map((m) => ({ name: name(m), video: m.kind === 'video' })),
    maxMb: tooLargeLimitMb(maxFileBytes, overOurLimit),
    empty: pick('empty'),
    failed: pick('failed'),
    compressedPhotos: o.compressedNote
      ? materials.filter(
          (m) =>
            m.status === 'stored' && m.kind === 'photo' && m.role !== 'cover' && m.quality === 'compressed',
        ).length
      : 0,
  });
  // Repeats of this chat, or of a file already filed for its unit (forwarded from another of its chats):
  // a file sent to the bot directly and then to the group is what the direct chat's answer asks for,
  // not a repeat to warn about.
  const duplicates = own.filter((m) => m.knownRepeat).length;
  if (duplicates > 0) text += `\n其中 ${duplicates} 个与之前收到的文件完全相同，只保存一份`;
  const pending = own.filter((m) => m.status === 'pending').length;
  if (pending > 0) text += `\n还有 ${pending} 个正在下载，完成后自动保存`;
  // Formats the archive refuses (a ZIP, a MOV sent as a file, a .txt): said at once, with what to send instead.
  const refused = refusedFormatLines(own.filter((m) => m.status === 'stored' && m.formatRefused));
  if (refused.length > 0) text += `\n${refused.join('\n')}`;
  return text;
}

const KIND_NAMES: Record<MaterialKind, string> = {
  photo: '照片',
  document: '文件',
  audio: '语音',
  video: '视频',
};

/** How a file is named to its sender: its original name, else its kind (照片, 文件 …). */
export function materialName(m: { originalName: string | null; kind: string }): string {
  return m.originalName ?? KIND_NAMES[m.kind as MaterialKind] ?? '文件';
}
