import type { IncomingMessage } from './incoming.js';
import { postCommandText } from './message-resources.js';

/** A chat command addressed to the bot: `@bot 帮助`, or any text in a direct message. */
export interface Command {
  /** The declared command's name, or 'unknown'. */
  name: string;
  /** The words after the command (e.g. the unit name for 绑定). */
  args: string;
  text: string;
}

/** How a command is called: its words, and a word that may be glued to its argument. */
export interface CommandWords {
  name: string;
  /** Compared case-insensitively with the first word. */
  words: readonly string[];
  /** 绑定城关村, 查公示: the word written without a space; starts matching `except` are not. */
  glued?: { word: string; except?: RegExp };
  /**
   * Words that call it in a group without @-mentioning the bot when they are the whole message (trailing
   * punctuation aside: 「进度？」) and nobody is mentioned (帮助, 缺什么: an officer who forgot the @ is
   * answered, not met with silence, and the word never becomes the caption of their photos).
   */
  bare?: readonly string[];
}

/**
 * Plain text of a text message, or of a post of words only (postCommandText), with mention placeholders
 * (@_user_1) removed.
 */
export function messageText(msg: IncomingMessage): string {
  let text = '';
  if (msg.msgType === 'post') text = postCommandText(msg.content) ?? '';
  else if (msg.msgType !== 'text') return '';
  else
    try {
      text = String(JSON.parse(msg.content)?.text ?? '');
    } catch {
      return '';
    }
  for (const m of msg.mentions) text = text.split(m.key).join(' ');
  return text.replace(/\s+/g, ' ').trim();
}

/** A rich-text post of words only: read for commands as a text message is (a post with photos is materials). */
const isWordsOnlyPost = (msg: IncomingMessage): boolean =>
  msg.msgType === 'post' && postCommandText(msg.content) !== undefined;

/** A whole message as a bare command word: lower-case, without the punctuation after it (「缺什么？」). */
export function bareCommandWord(text: string): string {
  return text.replace(/[\s\p{P}~～]+$/u, '').toLowerCase();
}

/**
 * Recognises a command among `commands`: in a group only when the bot is @mentioned (or a `bare`
 * word is the whole message), in a direct message always. Returns undefined for ordinary chat text
 * (kept as a caption/note instead); an
 * addressed text naming no command is `unknown`, an empty one `help`.
 */
export function parseCommand(
  msg: IncomingMessage,
  botOpenId: string | undefined,
  commands: readonly CommandWords[],
): Command | undefined {
  if (msg.msgType !== 'text' && !isWordsOnlyPost(msg)) return undefined;
  const addressed = msg.chatType === 'p2p' || msg.mentions.some((m) => m.openId && m.openId === botOpenId);
  const text = messageText(msg);
  if (!addressed) {
    if (msg.mentions.length > 0) return undefined;
    const word = bareCommandWord(text);
    const bare = commands.find((c) => c.bare?.some((w) => w.toLowerCase() === word));
    return bare ? { name: bare.name, args: '', text } : undefined;
  }
  const [first = '', ...rest] = text.split(' ');
  const args = rest.join(' ').trim();
  // The word as written (「?」 is 帮助), or without the punctuation after it: 「@归档助手 进度？」 is 进度,
  // not a text naming no command (held as the caption of photos sent around it).
  const said = [first.toLowerCase(), bareCommandWord(first)];
  for (const c of commands) {
    if (c.words.some((w) => said.includes(w.toLowerCase()))) return { name: c.name, args, text };
  }
  for (const c of commands) {
    const g = c.glued;
    if (g && first.length > g.word.length && first.startsWith(g.word) && !g.except?.test(first))
      return { name: c.name, args: `${first.slice(g.word.length)} ${args}`.trim(), text };
  }
  if (text === '') return { name: 'help', args: '', text };
  return { name: 'unknown', args, text };
}
