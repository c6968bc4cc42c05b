import type { IncomingMessage } from './incoming.js';

/** A chat command addressed to the bot: `@bot 帮助`, or any text in a direct message. */
export interface Command {
  name:
    | 'help'
    | 'tasks'
    | 'progress'
    | 'missing'
    | 'bind'
    | 'confirm'
    | 'export'
    | 'set_role'
    | 'revoke_role'
    | 'people'
    | 'find'
    | 'unknown';
  /** The words after the command (e.g. the unit name for 绑定). */
  args: string;
  text: string;
}

const NAMES: [Command['name'], RegExp][] = [
  ['help', /^(帮助|help|\?|？|菜单|使用说明)$/i],
  ['tasks', /^(任务|任务列表|tasks?)$/i],
  ['progress', /^(进度|完成情况|progress)$/i],
  ['missing', /^(缺什么|缺少什么|还缺什么|缺|missing)$/i],
  ['bind', /^(绑定|bind)$/i],
  ['confirm', /^(确认归档|confirm)$/i],
  ['export', /^(导出|移交|export)$/i],
  ['set_role', /^(设置|设置角色|设为)$/i],
  ['revoke_role', /^(撤销角色|取消角色)$/i],
  ['people', /^(人员|人员名单|people)$/i],
  ['find', /^(查|查找|查询|find)$/i],
];

/** Plain text of a text message with mention placeholders (@_user_1) removed. */
export function messageText(msg: IncomingMessage): string {
  if (msg.msgType !== 'text') return '';
  let text = '';
  try {
    text = String(JSON.parse(msg.content)?.text ?? '');
  } catch {
    return '';
  }
  for (const m of msg.mentions) text = text.split(m.key).join(' ');
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Recognises a command: in a group only when the bot is @mentioned, in a direct message always.
 * Returns undefined for ordinary chat text (which is kept as a caption/note instead).
 */
export function parseCommand(msg: IncomingMessage, botOpenId: string | undefined): Command | undefined {
  if (msg.msgType !== 'text') return undefined;
  const addressed = msg.chatType === 'p2p' || msg.mentions.some((m) => m.openId && m.openId === botOpenId);
  if (!addressed) return undefined;
  const text = messageText(msg);
  const [first = '', ...rest] = text.split(' ');
  const args = rest.join(' ').trim();
  for (const [name, re] of NAMES) {
    if (re.test(first)) return { name, args, text };
  }
  // Commands written without a space: 绑定城关村
  if (/^绑定./.test(first)) return { name: 'bind', args: `${first.slice(2)} ${args}`.trim(), text };
  if (/^查[^看询找].*/.test(first)) return { name: 'find', args: `${first.slice(1)} ${args}`.trim(), text };
  if (text === '') return { name: 'help', args: '', text };
  return { name: 'unknown', args, text };
}
