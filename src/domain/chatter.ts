/**
 * Texts written near photos that are no caption of them. A caption is the sender's words about the
 * materials: it becomes the item's 说明 and 题名. 「好的」 after someone else's question, or 「@张会计 你看下」,
 * says nothing about them, and must not be filed as their title.
 */

/** Short replies that only acknowledge: alone (or several together: 「好的收到」) they are no caption. */
export const ACKNOWLEDGEMENTS: readonly string[] = [
  '好',
  '好的',
  '好滴',
  '好嘞',
  '好哒',
  '好吧',
  '收到',
  '已收到',
  '嗯',
  '嗯嗯',
  '哦',
  '噢',
  '行',
  '可以',
  '知道了',
  '明白',
  '明白了',
  '谢谢',
  '多谢',
  '辛苦了',
  '辛苦',
  '是',
  '是的',
  '对',
  'ok',
  'okay',
  '1',
  '666',
];

/** Lark's emoji in a text message are written as a word in brackets: 「[赞]」, 「[OK]」. */
const LARK_EMOJI = /\[[^\][]{1,10}\]/gu;

/** Lower-case, full-width folded, without Lark's emoji words, emoji, punctuation and spaces. */
function bareWords(text: string): string {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(LARK_EMOJI, '')
      .replace(/[\s\p{P}\p{S}\p{Extended_Pictographic}]+/gu, '')
      // Emoji joiners and variation selectors (👍🏻, ❤️): on their own, not in the class above.
      .replace(/\u200d|\ufe0f|\p{Emoji_Modifier}/gu, '')
  );
}

/**
 * Whether the text only acknowledges: one or more of ACKNOWLEDGEMENTS and nothing else (emoji and
 * punctuation aside), or only emoji and punctuation (👍, 「[赞]」, 「。。」).
 */
export function isAcknowledgement(text: string): boolean {
  const rest = bareWords(text);
  if (rest.length > 24) return false;
  // Can `rest` from position i on be split wholly into acknowledgements?
  const ok: boolean[] = new Array<boolean>(rest.length + 1).fill(false);
  ok[rest.length] = true;
  for (let i = rest.length - 1; i >= 0; i--)
    ok[i] = ACKNOWLEDGEMENTS.some((w) => rest.startsWith(w, i) && ok[i + w.length]);
  return ok[0]!;
}

/**
 * A text in a group that is not addressed to the bot and is no caption: it @-mentions someone (a
 * question to 张会计, 「@所有人 明天开会」: said to people, not about the materials), or only acknowledges.
 * `mentions`: the message's mentions (none of them the bot's: a text to the bot is a command).
 */
export function isChatter(text: string, mentions: readonly unknown[]): boolean {
  return mentions.length > 0 || /@_all\b/.test(text) || isAcknowledgement(text);
}
