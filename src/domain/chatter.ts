import { parseTaskCode } from './task-code.js';

/**
 * Texts written near photos that are no caption of them. A caption is the sender's words about the
 * materials: it becomes the item's 说明 and 题名. 「好的」 after someone else's question, or 「@张会计 你看下」,
 * says nothing about them, and must not be filed as their title. A text holding a task code (#C05, 「[C05]」)
 * is always a caption: it says where the materials go, whatever else it says or whoever it @-mentions.
 */

/** Short replies that only acknowledge: alone (or several together: 「好的收到」) they are no caption. */
const ACKNOWLEDGEMENTS: readonly string[] = [
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
];

/**
 * Acknowledgements only as the whole text, never as a part of one: 「1」 is the group's 「收到请回复1」 (a
 * reply to a question or a roll call, not a caption), 「666」 applause; but 「11」 or 「07」 after a
 * household's photos may be its number, so digits together are no acknowledgement.
 */
const WHOLE_ACKNOWLEDGEMENTS: readonly string[] = ['1', '666'];

/**
 * Said to the person @-mentioned, a greeting or a request to look at the materials, not describing them:
 * 「@张会计 你看下」, 「@李主任 麻烦审核一下，谢谢」, 「@Tom hello」. Only with a mention of someone else (to the
 * bot, 「你好」 or 「看看」 names no command and is answered).
 */
const SAID_TO_SOMEONE: readonly string[] = [
  '你好',
  '您好',
  'hello',
  'hi',
  '早',
  '早上好',
  '在吗',
  '你',
  '您',
  '请',
  '麻烦',
  '帮忙',
  '帮我',
  '看下',
  '看一下',
  '看看',
  '瞧瞧',
  '审核',
  '审核下',
  '审核一下',
  '审一下',
  '确认',
  '确认下',
  '确认一下',
  '核对',
  '核对一下',
  '把关',
];

/**
 * The emoji Lark writes into a text message as a word in brackets (「[赞]」, 「[OK]」), lower-case. Only
 * these: other bracketed words are the sender's (「[C05]」, 「［村委会议］」: full-width brackets fold to
 * these under NFKC).
 */
const LARK_EMOJI_NAMES: readonly string[] = [
  '微笑',
  '赞',
  '强',
  '点赞',
  'ok',
  'thumbsup',
  '爱心',
  '比心',
  '鼓掌',
  '握手',
  '抱拳',
  '拳头',
  '加油',
  '耶',
  '胜利',
  '玫瑰',
  '捂脸',
  '偷笑',
  '呲牙',
  '大笑',
  '憨笑',
  '可爱',
  '色',
  '害羞',
  '得意',
  '酷',
  '机智',
  '思考',
  '疑问',
  '晕',
  '流泪',
  '大哭',
  '委屈',
  '尴尬',
  '汗',
  '再见',
  '收到',
  '好的',
  '谢谢',
  '感谢',
  '辛苦了',
  '庆祝',
  '火',
  '礼物',
  '红包',
  '咖啡',
  '蛋糕',
  '太阳',
  '月亮',
  '666',
  '+1',
  '加一',
  '完成',
  '做到了',
  'done',
  'smile',
  'thanks',
  'muscle',
  'applause',
  'fingerheart',
  'fistbump',
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LARK_EMOJI = new RegExp(`\\[(?:${LARK_EMOJI_NAMES.map(escape).join('|')})\\]`, 'gu');

/** Lower-case, full-width folded, without @所有人, Lark's emoji words, emoji, punctuation and spaces. */
function bareWords(text: string): string {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/@_all\b/g, '')
      .replace(LARK_EMOJI, '')
      .replace(/[\s\p{P}\p{S}\p{Extended_Pictographic}]+/gu, '')
      // Emoji joiners and variation selectors (👍🏻, ❤️): on their own, not in the class above.
      .replace(/\u200d|\ufe0f|\p{Emoji_Modifier}/gu, '')
  );
}

/** Whether `rest` splits wholly into `words` (empty: yes). */
function madeOf(rest: string, words: readonly string[]): boolean {
  if (rest.length > 24) return false;
  // Can `rest` from position i on be split wholly into the words?
  const ok: boolean[] = new Array<boolean>(rest.length + 1).fill(false);
  ok[rest.length] = true;
  for (let i = rest.length - 1; i >= 0; i--)
    ok[i] = words.some((w) => rest.startsWith(w, i) && ok[i + w.length]);
  return ok[0]!;
}

/**
 * Whether the text only acknowledges: one or more of ACKNOWLEDGEMENTS and nothing else (emoji and
 * punctuation aside), a lone 「1」, or only emoji and punctuation (👍, 「[赞]」, 「。。」). Never one holding a
 * task code.
 */
export function isAcknowledgement(text: string): boolean {
  if (parseTaskCode(text)) return false;
  const rest = bareWords(text);
  return WHOLE_ACKNOWLEDGEMENTS.includes(rest) || madeOf(rest, ACKNOWLEDGEMENTS);
}

/**
 * A text in a group that is not addressed to the bot and is no caption: it only acknowledges, or it
 * @-mentions someone (@所有人 too) and says nothing more to them than an acknowledgement, a greeting or a
 * request to look (「@张会计 你看下」). A mention is whom the text is said to: 「@所有人 今天村两委会议」 after photos is
 * their caption, and 「@张会计 #C05 会议照片」 files them to C05 (a task code is never chatter).
 * `text`: the message's words with the mentions' placeholders removed; `mentions`: the message's
 * mentions (none of them the bot's: a text to the bot is a command).
 */
export function isChatter(text: string, mentions: readonly unknown[]): boolean {
  if (parseTaskCode(text)) return false;
  if (isAcknowledgement(text)) return true;
  const toSomeone = mentions.length > 0 || /@_all\b/.test(text);
  return toSomeone && madeOf(bareWords(text), [...ACKNOWLEDGEMENTS, ...SAID_TO_SOMEONE]);
}
