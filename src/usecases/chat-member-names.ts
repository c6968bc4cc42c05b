import type { Db } from '../db/client.js';
import { personNames } from '../db/repos/reminder-audience.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ChatGateway, ChatMember } from '../ports/chat-gateway.js';
import { timeLimited } from '../time-limit.js';

/**
 * How long a reply waits for a chat's member list before naming people as it did without it (a card
 * callback must be answered within Lark's 3 s). A slower answer lands in the gateway's member cache
 * (10 minutes) and names them the next time.
 */
export const MEMBER_NAMES_WAIT_MS = 1000;

export interface ChatMemberNamesDeps {
  db: Db;
  gateway: Pick<ChatGateway, 'listChatMembers'>;
  logger: Logger;
  /** MEMBER_NAMES_WAIT_MS unless set. */
  memberNamesWaitMs?: number;
}

/** Someone to name, and the chat they were seen in (their message, their filing), when known. */
export interface PersonInChat {
  openId: string;
  chatId?: string | null;
}

/**
 * People's names (open_id → name; the unnamed are absent): from `people` first (imports, sign-ins,
 * names learnt from Lark's contacts), else from the member list Lark gives for the chat they were seen
 * in (GET /im/v1/chats/:id/members, scope im:chat.members:read, which carries each member's name —
 * no contact scope needed), so an officer never registered is named as the group knows them. A newcomer
 * is in the cached list with their name as soon as Lark's join event is processed (`membersChanged`);
 * without it, a cached list lacking someone is read again (the gateway's `expecting`), so a newcomer is
 * named on their first photo rather than after the cache's 10 minutes. Never
 * an error and never a long wait: one wait of `memberNamesWaitMs` for all the chats asked; a chat
 * Lark refuses, fails or answers late leaves its people unnamed this time (the caller's fallback).
 */
export async function chatMemberNames(
  deps: ChatMemberNamesDeps,
  people: Iterable<PersonInChat>,
): Promise<Map<string, string>> {
  const list = [...people];
  const names = new Map(
    [
      ...(await personNames(
        deps.db,
        list.map((p) => p.openId),
      )),
    ].filter(([, n]) => n.trim() !== ''),
  );
  const unnamedIn = new Map<string, string[]>();
  for (const p of list)
    if (!names.has(p.openId) && p.chatId)
      unnamedIn.set(p.chatId, [...(unnamedIn.get(p.chatId) ?? []), p.openId]);
  if (unnamedIn.size === 0) return names;
  const learnt = new Map<string, string>();
  const learn = (members: ChatMember[]) => {
    for (const m of members) if (m.name?.trim()) learnt.set(m.openId, m.name.trim());
  };
  const asked = [...unnamedIn].map(([chatId, ids]) =>
    deps.gateway
      .listChatMembers(chatId)
      .then(learn)
      // Someone the cached list does not name may have joined since with no event seen (a newcomer's
      // first photo): the gateway reads the list again, unless it did so moments ago.
      .then(async () => {
        const unknown = ids.filter((id) => !learnt.has(id));
        if (unknown.length > 0) learn(await deps.gateway.listChatMembers(chatId, { expecting: unknown }));
      })
      .catch((err: unknown) => {
        // Lark said no (the bot left the chat, a scope) or did not answer: named as before.
        if (err instanceof LarkApiError)
          deps.logger.info({ chatId, code: err.larkCode }, 'chat members refused by Lark: names left out');
        else deps.logger.warn({ chatId, err }, 'chat members unreadable: names left out');
      }),
  );
  const waitMs = deps.memberNamesWaitMs ?? MEMBER_NAMES_WAIT_MS;
  try {
    await timeLimited(Promise.all(asked), waitMs, 'chat members');
  } catch {
    deps.logger.info({ chats: unnamedIn.size, waitMs }, 'chat members not answered in time: names left out');
  }
  // Copied now: members answered after the wait name people the next time (the gateway's cache).
  for (const p of list)
    if (!names.has(p.openId) && learnt.has(p.openId)) names.set(p.openId, learnt.get(p.openId)!);
  return names;
}

/** A filing (an item) as the cards show it: who filed it, their name from `people` if any, and its chat. */
interface Filed {
  filedBy: string;
  filedByName: string | null;
  chatId: string | null;
}

/**
 * Items with their filer named as chatMemberNames names them (in the chat the item came from) where
 * `people` has no name; still null when Lark does not say in time (the cards' 「群成员」).
 */
export async function withFilerNames<T extends Filed>(
  deps: ChatMemberNamesDeps,
  items: readonly T[],
): Promise<T[]> {
  const unnamed = items.filter((i) => !i.filedByName?.trim());
  if (unnamed.length === 0) return [...items];
  const names = await chatMemberNames(
    deps,
    unnamed.map((i) => ({ openId: i.filedBy, chatId: i.chatId })),
  );
  return items.map((i) => (i.filedByName?.trim() ? i : { ...i, filedByName: names.get(i.filedBy) ?? null }));
}

/** One item as withFilerNames names it. */
export const withFilerName = async <T extends Filed>(deps: ChatMemberNamesDeps, item: T): Promise<T> =>
  (await withFilerNames(deps, [item]))[0]!;
