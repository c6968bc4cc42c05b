/** Items from one sender in one chat, close in time, are acknowledged and filed together. */
export const DEFAULT_QUIET_WINDOW_MS = 20_000;

/** The parts of an open `bursts` row the grouping rule looks at. */
export interface OpenBurst {
  chatId: string;
  senderOpenId: string;
  firstAt: Date;
  lastAt: Date;
  closesAt: Date;
}

export interface BurstItem {
  chatId: string;
  senderOpenId: string;
  /** When the item was sent. */
  at: Date;
}

export type BurstDecision =
  | { action: 'join'; firstAt: Date; lastAt: Date; closesAt: Date; becomesFirst: boolean }
  | { action: 'start'; firstAt: Date; lastAt: Date; closesAt: Date };

/**
 * Joins the item to the open burst of the same chat and sender when it arrives before the burst
 * closes (its quiet window has not passed), else starts a new burst. Items may arrive out of order
 * (the reconciliation sweep, Lark's retries): `lastAt` only moves forward, and an item sent before the
 * burst's first becomes its first, so the reply quotes the earliest message whatever was recorded first.
 */
export function decideBurst(
  open: OpenBurst | undefined,
  item: BurstItem,
  quietWindowMs = DEFAULT_QUIET_WINDOW_MS,
): BurstDecision {
  const at = item.at.getTime();
  if (
    open &&
    open.chatId === item.chatId &&
    open.senderOpenId === item.senderOpenId &&
    at <= open.closesAt.getTime()
  ) {
    const lastAt = Math.max(open.lastAt.getTime(), at);
    const becomesFirst = at < open.firstAt.getTime();
    return {
      action: 'join',
      firstAt: becomesFirst ? item.at : open.firstAt,
      lastAt: new Date(lastAt),
      closesAt: new Date(lastAt + quietWindowMs),
      becomesFirst,
    };
  }
  return { action: 'start', firstAt: item.at, lastAt: item.at, closesAt: new Date(at + quietWindowMs) };
}

/** The burst's quiet window has passed: it can be closed and acknowledged. */
export function isBurstDue(burst: Pick<OpenBurst, 'closesAt'>, now: Date): boolean {
  return now.getTime() >= burst.closesAt.getTime();
}

/**
 * How long after a burst's last item a text of its sender still becomes its caption once its card went
 * out, while nobody tapped the card: on a slow village connection the caption typed right after the
 * photos can arrive after the quiet window, and the card that asks for a task is still waiting for it.
 */
export const LATE_CAPTION_MS = 5 * 60_000;

/** Whether a text sent at `at` is late enough and soon enough to be the answered burst's caption. */
export function isLateCaptionOf(
  burst: Pick<OpenBurst, 'firstAt' | 'lastAt'>,
  at: Date,
  lateMs = LATE_CAPTION_MS,
): boolean {
  return at.getTime() >= burst.firstAt.getTime() && at.getTime() <= burst.lastAt.getTime() + lateMs;
}

/**
 * How a text its sender wrote after their burst's card went out waits before that burst may take it as
 * its late caption: `newerWithinMs`, how long after the text a newer burst of the sender's that started
 * reads it instead (late-caption.ts), and `runAfterMs`, when after the text the late-caption job runs.
 * A text within the quiet window after the burst's last item was typed with those photos (it only
 * arrived after the card): its own quiet window, as any caption. A later text holding a task code may as
 * well be the caption of photos still to come — 「#C05 村民大会」 typed, then photos a slow connection
 * sends a minute later, which read it up to LATE_CAPTION_MS before their first (acknowledge-burst.ts) —,
 * and nothing tells the two apart when it arrives: it waits that window out (and the quiet window after
 * it, for photos sent at its end to be recorded), and goes to the older burst only if no newer burst of
 * the sender's started within it. A later text without a code is no caption of photos after its quiet
 * window: it waits that long only.
 */
export function lateCaptionWait(
  burst: Pick<OpenBurst, 'lastAt'>,
  text: { at: Date; coded: boolean },
  quietWindowMs: number,
): { newerWithinMs: number; runAfterMs: number } {
  const withThePhotos = text.at.getTime() <= burst.lastAt.getTime() + quietWindowMs;
  return text.coded && !withThePhotos
    ? { newerWithinMs: LATE_CAPTION_MS, runAfterMs: LATE_CAPTION_MS + quietWindowMs }
    : { newerWithinMs: quietWindowMs, runAfterMs: quietWindowMs };
}

/**
 * The caption with a late text as one more line (a caption is its texts one per line), cut at
 * `maxChars`; unchanged when the text is already one of its lines.
 */
export function captionWithLate(caption: string | null, text: string, maxChars: number): string {
  if (caption === null || caption === '') return text.slice(0, maxChars);
  if (caption.split('\n').includes(text)) return caption;
  return `${caption}\n${text}`.slice(0, maxChars);
}
