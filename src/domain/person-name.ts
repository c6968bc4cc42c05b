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

/** Who ran a command-line action at the machine, as its audit row records it (cli-operator.ts). */
interface CliOperatorNames {
  osUser?: string | null;
  sudoUser?: string | null;
}

/** 「管理员（命令行，root）」, 「管理员（命令行，root，由 alice 经 sudo）」, or 「管理员（命令行）」 when not recorded. */
function cliActor(operator?: CliOperatorNames | null): string {
  const os = operator?.osUser?.trim();
  if (!os) return CLI_ACTOR;
  const sudo = operator?.sudoUser?.trim();
  return `管理员（命令行，${os}${sudo ? `，由 ${sudo} 经 sudo` : ''}）`;
}

/**
 * Who did something, named for a reader: their learnt name when known, else what the actor id means —
 * `cli` the administrator at the command line (with the operating-system user who ran the command, and
 * the sudo user, when the audit row records them: `operator`), `bot` the bot itself, `lark:…` Lark on behalf of a
 * group's owner or manager — else the person unnamed (personName's 「未登记姓名的成员（…a1b2）」).
 * Never the raw id ('cli', ou_…).
 */
export function actorLabel(actor: string, name?: string | null, operator?: CliOperatorNames | null): string {
  if (name?.trim()) return name.trim();
  if (actor === 'cli') return cliActor(operator);
  if (actor === 'bot') return '归档助手';
  const lark = /^lark:(.+)$/.exec(actor)?.[1];
  return lark ? `飞书（${RECALLED_BY[lark] ?? lark}）` : unnamedPerson(actor);
}
