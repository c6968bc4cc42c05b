import { RECALLED_BY } from './incoming.js';

/**
 * How a person is named to people: their name when the bot has learnt it (people table), else
 * 「未登记姓名的成员（…a1b2）」 — never the raw open_id (ou_…), which means nothing to a reader; the
 * tail tells two such people apart and lets an administrator find them.
 */
export function personName(names: ReadonlyMap<string, string>, openId: string): string {
  const name = names.get(openId)?.trim();
  return name ? name : unnamedPerson(openId);
}

export const unnamedPerson = (openId: string): string => `未登记姓名的成员（…${openId.slice(-4)}）`;

/** How a command-line action's actor (`cli` in the audit trail and in confirmed_by) is named to a reader. */
const CLI_ACTOR = '管理员（命令行）';

/**
 * Who did something, named for a reader: their learnt name when known, else what the actor id means —
 * `cli` the administrator at the command line, `bot` the bot itself, `lark:…` Lark on behalf of a
 * group's owner or manager — else the person unnamed (personName's 「未登记姓名的成员（…a1b2）」).
 * Never the raw id ('cli', ou_…).
 */
export function actorLabel(actor: string, name?: string | null): string {
  if (name?.trim()) return name.trim();
  if (actor === 'cli') return CLI_ACTOR;
  if (actor === 'bot') return '归档助手';
  const lark = /^lark:(.+)$/.exec(actor)?.[1];
  return lark ? `飞书（${RECALLED_BY[lark] ?? lark}）` : unnamedPerson(actor);
}
