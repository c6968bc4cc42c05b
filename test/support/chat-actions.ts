import { cardActionEvent, commandEvent } from './events.js';
import type { Harness } from './harness.js';
import { waitFor } from './wait-for.js';

/** A card tap as Lark sends it: who taps what, on which card (its chat and message). */
export interface CardTap {
  operator: string;
  /** The button's callback value (value.a names the action). */
  value: Record<string, unknown>;
  chatId?: string;
  messageId?: string;
  /** What a form sends with its submit button. */
  formValue?: Record<string, unknown>;
  /** The chosen option of a select menu. */
  option?: string;
}

/**
 * Taps a card button (or picks a menu option, or submits a form) through the webhook; the callback's
 * answer (its toast, and the card it puts in place, if any).
 */
export async function tapCard(h: Harness, tap: CardTap): Promise<any> {
  const res = await h.post(
    cardActionEvent({
      appId: h.fake.appId,
      operatorOpenId: tap.operator,
      value: tap.value,
      chatId: tap.chatId,
      messageId: tap.messageId,
      formValue: tap.formValue,
      option: tap.option,
    }),
  );
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status} to a card tap`);
  return res.json();
}

/** Who taps what on a card of a known chat: `click(operator, value, { formValue, option, messageId })`. */
export type TapArgs = [
  operator: string,
  value: Record<string, unknown>,
  extra?: Omit<CardTap, 'operator' | 'value' | 'chatId'>,
];

/** tapCard on a card of `chatId` (a test's `click = (...a) => tapIn(h, chatId, ...a)`, read when it taps). */
export const tapIn = (h: Harness, chatId: string, ...[operator, value, extra = {}]: TapArgs) =>
  tapCard(h, { operator, value, chatId, ...extra });

/**
 * `sender` writes 「@归档助手 `text`」 in `chatId`, through the webhook; the bot's reply to it, with the
 * command's own message id as `asked`.
 */
export async function sayToBot(
  h: Harness,
  say: {
    chatId: string;
    sender: string;
    text: string;
    /** A direct chat with the bot (`p2p`) instead of a group. */
    chatType?: 'group' | 'p2p';
    /** When it was sent (a test clock's time); by default a time no other message of the test has. */
    createTimeMs?: number;
  },
) {
  const ev = commandEvent({
    appId: h.fake.appId,
    botOpenId: h.fake.botOpenId,
    chatId: say.chatId,
    senderOpenId: say.sender,
    text: say.text,
    ...(say.chatType ? { chatType: say.chatType } : {}),
    ...(say.createTimeMs !== undefined ? { createTimeMs: say.createTimeMs } : {}),
  });
  const res = await h.post(ev);
  if (res.status !== 200) throw new Error(`the webhook answered ${res.status} to a command`);
  const asked = ev.event.message.message_id;
  const reply = await waitFor(`the reply to ${say.text}`, () =>
    h.fake.sentMessages().find((m) => m.replyTo === asked),
  );
  return { ...reply, asked };
}

/**
 * The callback value whose action (value.a) is `action`, the first in the card's JSON: a button's or a
 * menu's, as long as the value holds no nested object.
 */
export function actionValue(card: unknown, action: string): Record<string, unknown> {
  const m = JSON.stringify(card).match(new RegExp(`"value":(\\{"a":"${action}"[^}]*\\})`));
  if (!m) throw new Error(`no ${action} button in ${JSON.stringify(card).slice(0, 400)}`);
  return JSON.parse(m[1]!);
}
