import type { Db } from '../db/client.js';
import { alertFiring } from '../db/repos/ops-alerts.js';
import { chatsSeenIn, insertPersonIfNew } from '../db/repos/people.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import { chatMemberNames } from './chat-member-names.js';
import { reportAlert, type OpsAlertOptions } from './ops-alerts.js';

/** The scopes that give the bot people's names (the notice below and doctor's 成员姓名 line). */
export const CONTACT_SCOPES = 'contact:user.base:readonly（和 contact:contact.base:readonly）';
/** What goes without them (the notice below and doctor's 成员姓名 line). */
export const UNNAMED_MEANWHILE =
  '周报、网页和归档目录里的负责人、提交人显示为「未登记姓名的成员（…末4位）」，其他功能照常';

/** The one-time notice when Lark will not give names: which scope, what it affects, how to fix it. */
export const CONTACT_SCOPE_MISSING =
  `飞书不给机器人读取成员姓名：开发者后台「权限管理」没有开通 ${CONTACT_SCOPES}。` +
  `在开通并发布新版本之前，${UNNAMED_MEANWHILE}。这条提醒只发一次；开通后会再告诉你。`;
export const CONTACT_SCOPE_GRANTED =
  '机器人又能读取成员姓名了。还显示为「未登记姓名的成员」的人，会在下次出现或每周一次的后台查询时补上姓名。';

/**
 * A person's name from Lark's contacts (`GET /contact/v3/users/:open_id`, scope
 * `contact:user.base:readonly`), kept in `people` so pages, digests and the catalogue name them.
 * Someone outside the app's contact range, or a scope not granted, is named as the member list of a
 * chat they were seen in names them (nameFromChats), else left unnamed (the pages then say
 * 「未登记姓名的成员」); only rate limits, 5xx and network errors are retried.
 * The scope not granted is an optional setup gap, told once (the `contact_scope` operations notice,
 * kept in the database so another instance or a restart does not tell it again) and cleared, with one
 * 恢复正常, by the first lookup Lark answers afterwards.
 */
export async function learnPersonName(
  deps: { db: Db; clock: Clock; gateway: ChatGateway; logger: Logger; alerts?: OpsAlertOptions },
  input: { openId: string },
  log: Logger,
): Promise<void> {
  try {
    const user = await deps.gateway.getUser(input.openId);
    if (user) await insertPersonIfNew(deps.db, { openId: input.openId, name: user.name }, deps.clock.now());
    else {
      log.info({ openId: input.openId }, 'person not in the app contact range');
      await nameFromChats(deps, input.openId, log);
    }
  } catch (err) {
    if (err instanceof LarkApiError && !err.isRetryable) {
      log.warn({ err, openId: input.openId }, 'person name lookup refused');
      if (err.isScopeRefused) await tellContactScope(deps, true, log);
      await nameFromChats(deps, input.openId, log);
      return;
    }
    throw err;
  }
  // Lark answered: the scope is there.
  if (await alertFiring(deps.db, 'contact_scope')) await tellContactScope(deps, false, log);
}

/** How long the background lookup waits for the chats' member lists (nobody waits for it). */
const MEMBER_LISTS_WAIT_MS = 10_000;

/**
 * Contacts did not name the person: their name as the member list of a chat they were seen in names
 * them (chatMemberNames: im:chat.members:read, no contact scope), kept in `people` the same way. The
 * chats: where their latest materials came from, and the bound chats of units they hold a role in.
 * Left unnamed when no chat names them (asked again next week, while seen).
 */
async function nameFromChats(
  deps: Parameters<typeof learnPersonName>[0],
  openId: string,
  log: Logger,
): Promise<void> {
  const chats = await chatsSeenIn(deps.db, openId);
  const names = await chatMemberNames(
    { db: deps.db, gateway: deps.gateway, logger: log, memberNamesWaitMs: MEMBER_LISTS_WAIT_MS },
    chats.map((chatId) => ({ openId, chatId })),
  );
  const name = names.get(openId);
  if (!name) {
    log.info({ openId, chats: chats.length }, 'person named by no chat: left unnamed');
    return;
  }
  await insertPersonIfNew(deps.db, { openId, name }, deps.clock.now());
  log.info({ openId }, 'person named from a chat member list');
}

async function tellContactScope(
  deps: Parameters<typeof learnPersonName>[0],
  missing: boolean,
  log: Logger,
): Promise<void> {
  if (!deps.alerts) return;
  // Not delivered: owed in the database, and sent by the next operations-alert round. A database that
  // refuses it now is no reason to ask Lark again: the next refused lookup tells it.
  await reportAlert(deps, deps.alerts, 'contact_scope', {
    firing: missing,
    detail: missing ? CONTACT_SCOPE_MISSING : CONTACT_SCOPE_GRANTED,
  }).catch((err: unknown) => log.warn({ err }, 'contact scope notice not recorded'));
}
