import { hasUnitRole, rolesHeld } from '../db/repos/people.js';
import type { UnitRow } from '../db/repos/units.js';
import type { Command } from '../domain/commands.js';
import type { IncomingMessage } from '../domain/incoming.js';
import { ROLE_LABEL, type UnitRole } from '../domain/units-people.js';
import type { BotDeps } from './deps.js';
import type { CommandAccess, CommandAudience, RoleAudience } from './feature.js';

/** 「档案员或管理员」 */
const roleWords = (roles: readonly UnitRole[]) => roles.map((r) => ROLE_LABEL[r]).join('或');

/** The plain refusal: 「只有东村或上级单位的档案员或管理员可以确认归档。」 */
function refusal(who: RoleAudience, unit: UnitRow | undefined): string {
  const where = unit ? `${unit.name}或上级单位的` : '';
  const orElse = who.orElse ? `（或${who.orElse.who}）` : '';
  return `只有${where}${roleWords(who.roles)}${orElse}可以${who.doing}。`;
}

/**
 * May the sender run the command? Everyone may run an `everyone` command. Otherwise the sender must
 * hold one of the roles on the command's unit or above it (when the message names a unit, or the
 * chat has one), or on some unit (when none is known yet), or pass the declaration's `orElse`.
 * Returns the access the handler gets, or the one reply that refuses, or that asks which unit (the
 * message names two units equally: two 东村 asked for in the county's chat).
 */
export async function admitCommand(
  deps: BotDeps,
  msg: IncomingMessage,
  cmd: Command,
  who: CommandAudience,
): Promise<CommandAccess | { refusal: string } | { question: string }> {
  if (who === 'everyone') return {};
  const named = await who.unit?.(deps, msg, cmd);
  const openId = msg.senderOpenId;
  if (named && 'question' in named) {
    // Two 东村: which one is asked of someone who may do it on one of them; anyone else is refused.
    for (const u of named.units)
      if (openId !== undefined && (await hasUnitRole(deps.db, openId, u, who.roles)))
        return { question: named.question };
    return { refusal: refusal(who, named.units[0]) };
  }
  const unit = named;
  const holds =
    openId !== undefined &&
    (unit
      ? await hasUnitRole(deps.db, openId, unit, who.roles)
      : holdsAny(await rolesHeld(deps.db, openId), who));
  if (holds || (openId !== undefined && who.orElse && (await who.orElse.test(deps, msg))))
    return unit ? { unit } : {};
  return { refusal: refusal(who, unit) };
}

const holdsAny = (held: ReadonlySet<UnitRole>, who: RoleAudience) => who.roles.some((r) => held.has(r));

/**
 * The commands the help card shows the sender: `everyone` ones, and those whose roles they hold on
 * some unit (or whose `orElse` they pass here).
 */
export async function commandsFor<C extends { who: CommandAudience }>(
  deps: BotDeps,
  msg: IncomingMessage,
  commands: readonly C[],
): Promise<C[]> {
  const held = msg.senderOpenId ? await rolesHeld(deps.db, msg.senderOpenId) : new Set<UnitRole>();
  const out: C[] = [];
  for (const c of commands) {
    if (
      c.who === 'everyone' ||
      holdsAny(held, c.who) ||
      (msg.senderOpenId !== undefined && c.who.orElse && (await c.who.orElse.test(deps, msg)))
    )
      out.push(c);
  }
  return out;
}

/** How the help card marks a restricted command: 「（档案员）」 (the roles other than 管理员, who runs the install). */
export function audienceLabel(who: CommandAudience): string {
  if (who === 'everyone') return '';
  const shown = who.roles.filter((r) => r !== 'admin');
  return `（${roleWords(shown.length > 0 ? shown : who.roles)}）`;
}
