import { eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { botMessages } from '../schema/bot-messages.js';

export interface BotMessage {
  messageId: string;
  chatId: string | null;
  purpose: string;
  unitId: number | null;
  burstId: number | null;
  taskIds: number[];
}

export async function recordBotMessage(
  db: Db,
  m: Omit<BotMessage, 'chatId' | 'unitId' | 'burstId'> & {
    chatId?: string;
    unitId?: number;
    burstId?: number;
  },
  now: Date,
): Promise<void> {
  await db.execute(
    sql`insert into bot_messages (message_id, chat_id, purpose, unit_id, burst_id, task_ids, created_at)
        values (${m.messageId}, ${m.chatId ?? null}, ${m.purpose}, ${m.unitId ?? null}, ${m.burstId ?? null},
          ${JSON.stringify(m.taskIds)}::jsonb, ${now})
        on conflict (message_id) do nothing`,
  );
}

/**
 * Where a card is recorded before its send, while its message id is unknown (Lark gives it in the send's
 * answer): under the send's key. A tap that reaches the bot before that answer is recorded finds the
 * card by the key its value carries (task-pick-action.ts); `recordSentCard` then moves the row under
 * the message id. Never a Lark message id, so no lookup by one ever meets it.
 */
export const unsentCardId = (key: string): string => `unsent:${key}`;

/** The card recorded under its send's key (`unsentCardId`), now under the message id Lark gave it. */
export async function recordSentCard(db: Db, key: string, messageId: string): Promise<void> {
  await db.execute(
    sql`with unsent as (
          delete from bot_messages where message_id = ${unsentCardId(key)}
          returning chat_id, purpose, unit_id, burst_id, task_ids, created_at)
        insert into bot_messages (message_id, chat_id, purpose, unit_id, burst_id, task_ids, created_at)
        select ${messageId}, chat_id, purpose, unit_id, burst_id, task_ids, created_at from unsent
        on conflict (message_id) do nothing`,
  );
}

export async function findBotMessage(db: Db, messageId: string): Promise<BotMessage | undefined> {
  const m = botMessages;
  const [r] = await db
    .select({
      messageId: m.messageId,
      chatId: m.chatId,
      purpose: m.purpose,
      unitId: m.unitId,
      burstId: m.burstId,
      taskIds: m.taskIds,
    })
    .from(m)
    .where(eq(m.messageId, messageId));
  return r && { ...r, taskIds: (r.taskIds as unknown[]).map(Number) };
}

/** The message id a burst's messages replied to (the first one found), if any. */
export async function burstReplyTarget(db: Db, burstId: number): Promise<string | undefined> {
  const [r] = await queryRows<{ parent_id: string }>(
    db,
    sql`select m.parent_id from materials m where m.burst_id = ${burstId} and m.parent_id is not null
          and m.forward_root_id is null
        union all
        select g.parent_id from messages g join bursts b on b.first_message_id = g.message_id
        where b.id = ${burstId} and g.parent_id is not null
        limit 1`,
  );
  return r?.parent_id;
}

/** Which of these message ids the bot recorded as its own sends. */
export async function knownBotMessageIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select message_id as id from bot_messages where message_id in (${list})`,
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * The burst of the chat whose card a message is: the burst's reply (its filing card, or the filed card
 * it turned into), or a copy of its filing card sent again (reminders, 未归档).
 */
export async function burstOfCard(db: Db, messageId: string, chatId: string): Promise<number | undefined> {
  const [r] = await queryRows<{ id: number }>(
    db,
    sql`select b.id::int as id from bursts b
        where b.ack_message_id = ${messageId} and b.chat_id = ${chatId}
        union all
        select b.id::int as id from bot_messages m join bursts b on b.id = m.burst_id
        where m.message_id = ${messageId} and m.purpose = 'filing_card' and b.chat_id = ${chatId}
        limit 1`,
  );
  return r ? Number(r.id) : undefined;
}
