import { randomBytes, randomInt } from 'node:crypto';
import { cardButtons } from './cards.js';
import { tapCard } from './chat-actions.js';
import { messageEvent } from './events.js';
import type { Harness } from './harness.js';
import type { ManualClock } from './manual-clock.js';
import { jpeg } from './photos.js';
import { waitFor, type Truthy } from './wait-for.js';

export interface PhotoPost {
  chatId: string;
  /** The sender's open_id. */
  sender: string;
  /** Picks the photo's colour (default: random), so photos differ. */
  seed?: number;
  /** Width and height in pixels (default 64). */
  size?: number;
  /** The message this one replies to. */
  parentId?: string;
  /** The root of the reply chain (Lark sends it with parent_id). */
  rootId?: string;
  /** The message id (default: random), e.g. to inject a fault on its download first. */
  messageId?: string;
}

const lastCreateTime = new WeakMap<Harness, number>();

/**
 * The bot's clock time, but later than any message posted before through this harness: on a manual
 * clock that stands still, messages still follow one another as Lark stamps them (a burst's first
 * message is the first posted, however the workers pick them up). Tests that build their own message
 * events stamp them with it too; with equal times the burst's first is whichever a worker records first.
 */
export function nextCreateTime(h: Harness): number {
  const t = Math.max(h.bot.deps.clock.now().getTime(), (lastCreateTime.get(h) ?? 0) + 1);
  lastCreateTime.set(h, t);
  return t;
}

/**
 * Posts a photo from `sender` into `chatId` as Lark does: the fake Lark holds its bytes, and the
 * message's create_time is the bot's clock (see nextCreateTime). Resolves with the message id once the webhook took it.
 */
export async function postPhoto(h: Harness, p: PhotoPost): Promise<string> {
  const messageId = p.messageId ?? `om_${randomBytes(10).toString('hex')}`;
  const key = `img_${randomBytes(10).toString('hex')}`;
  const bytes = await jpeg(p.seed ?? randomInt(1_000_000), p.size);
  h.fake.addResource({ messageId, fileKey: key, bytes, contentType: 'image/jpeg' });
  const res = await h.post(
    messageEvent({
      appId: h.fake.appId,
      chatId: p.chatId,
      messageId,
      senderOpenId: p.sender,
      msgType: 'image',
      content: { image_key: key },
      parentId: p.parentId,
      rootId: p.rootId,
      createTimeMs: nextCreateTime(h),
    }),
  );
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status} to a photo`);
  return messageId;
}

/** Posts a text message (a caption, a #code) from `sender` into `chatId`, stamped as postPhoto does. */
export async function postText(
  h: Harness,
  /** `parentId`: sent as a reply to that message. */
  p: { chatId: string; sender: string; text: string; parentId?: string },
): Promise<string> {
  const ev = messageEvent({
    appId: h.fake.appId,
    chatId: p.chatId,
    senderOpenId: p.sender,
    content: { text: p.text },
    ...(p.parentId ? { parentId: p.parentId } : {}),
    createTimeMs: nextCreateTime(h),
  });
  const res = await h.post(ev);
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status} to a text`);
  return ev.event.message.message_id;
}

/**
 * On a manual clock: once the posted messages are taken in, moves the clock a second at a time (the
 * burst closer runs at each move) until `fn` gives something: a burst closes only when its quiet
 * window has passed and its downloads are done, whichever comes last.
 */
export async function waitOnClock<T>(
  h: Harness,
  clock: ManualClock,
  what: string,
  fn: () => Promise<T> | T,
): Promise<Truthy<T>> {
  await h.settle();
  return waitFor(what, async () => {
    const v = await fn();
    if (!v) await clock.advance(1_000);
    return v;
  });
}

/** The bot's reply to `messageId` (the burst's first message), its quiet window passed on `clock`. */
export function replyAfterQuiet(h: Harness, clock: ManualClock, messageId: string) {
  return waitOnClock(h, clock, `the reply to ${messageId}`, () =>
    h.fake.sentMessages().find((m) => m.replyTo === messageId),
  );
}

/** The answer to a card tap: its toast, and the card it puts in place, if any. */
export interface TapAnswer {
  toast: { type: string; content?: string };
  card?: { data: unknown };
}

/** Taps the first photo task on a burst's card, as `operator` in `chatId`; the callback's answer. */
export async function tapPhotoTask(
  h: Harness,
  ack: { content: unknown; messageId: string },
  at: { operator: string; chatId: string },
): Promise<TapAnswer> {
  const choice = cardButtons(ack.content).find((b) => b.value.a === 'file' && b.text.includes('照片'))!;
  return tapCard(h, {
    operator: at.operator,
    value: choice.value,
    chatId: at.chatId,
    messageId: ack.messageId,
  });
}
