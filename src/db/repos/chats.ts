import { eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { chats } from '../schema/chats.js';

/**
 * The bot was added at `at`. False (nothing changed) when a removal later than that is already
 * recorded: Lark delivers a push again when the first was not taken, so the two can arrive out of order.
 */
export async function recordChatJoined(
  db: Db,
  c: { chatId: string; chatType?: string; name?: string; addedBy?: string; at: Date },
): Promise<boolean> {
  const rows = await queryRows<{ chat_id: string }>(
    db,
    sql`insert into chats (chat_id, chat_type, name, active, added_by, added_at, updated_at)
        values (${c.chatId}, ${c.chatType ?? 'group'}, ${c.name ?? null}, true, ${c.addedBy ?? null}, ${c.at}, ${c.at})
        on conflict (chat_id) do update set active = true, name = coalesce(excluded.name, chats.name),
          added_by = excluded.added_by, added_at = excluded.added_at, removed_at = null, updated_at = excluded.updated_at
        where chats.removed_at is null or chats.removed_at <= excluded.added_at
        returning chat_id`,
  );
  return rows.length > 0;
}

/**
 * Removal (at `at`) pauses the chat; nothing is deleted. False (nothing changed) when the bot was
 * added again after it (a removal Lark delivered late, after the re-adding).
 */
export async function recordChatLeft(db: Db, c: { chatId: string; at: Date }): Promise<boolean> {
  const rows = await queryRows<{ chat_id: string }>(
    db,
    sql`insert into chats (chat_id, active, removed_at, updated_at) values (${c.chatId}, false, ${c.at}, ${c.at})
        on conflict (chat_id) do update set active = false, removed_at = excluded.removed_at,
          updated_at = excluded.updated_at
        where chats.added_at is null or chats.added_at <= excluded.removed_at
        returning chat_id`,
  );
  return rows.length > 0;
}

/** Notes activity in a chat (a chat the bot never saw being added to is recorded too). */
export async function touchChat(db: Db, c: { chatId: string; chatType: string; at: Date }): Promise<void> {
  await db.execute(
    sql`insert into chats (chat_id, chat_type, active, last_message_at, updated_at)
        values (${c.chatId}, ${c.chatType}, true, ${c.at}, ${c.at})
        on conflict (chat_id) do update set last_message_at = greatest(chats.last_message_at, excluded.last_message_at)`,
  );
}

export interface ChatRow {
  chatId: string;
  chatType: string;
  name: string | null;
  active: boolean;
  lastMessageAt: Date | null;
}

export async function listChats(db: Db, opts: { activeOnly?: boolean } = {}): Promise<ChatRow[]> {
  const c = chats;
  return db
    .select({
      chatId: c.chatId,
      chatType: c.chatType,
      name: c.name,
      active: c.active,
      lastMessageAt: c.lastMessageAt,
    })
    .from(c)
    .where(opts.activeOnly ? eq(c.active, true) : undefined)
    .orderBy(c.chatId);
}

/** The chat's type as Lark named it (group, p2p …); undefined for a chat never recorded. */
export async function chatTypeOf(db: Db, chatId: string): Promise<string | undefined> {
  const [r] = await queryRows<{ chat_type: string }>(
    db,
    sql`select chat_type from chats where chat_id = ${chatId}`,
  );
  return r?.chat_type;
}

/** Who added the bot to the chat (they may bind it until admins are configured). */
export async function chatAddedBy(db: Db, chatId: string): Promise<string | undefined> {
  const [r] = await queryRows<{ added_by: string | null }>(
    db,
    sql`select added_by from chats where chat_id = ${chatId}`,
  );
  return r?.added_by ?? undefined;
}
