import { and, eq, ne, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { chatBindings } from '../schema/index.js';
import { getUnitById, type UnitRow } from './units.js';

export interface ChatBindingRow {
  id: number;
  chatId: string;
  unitId: number;
  status: 'active' | 'paused';
  boundBy: string | null;
  boundAt: Date;
  pausedAt: Date | null;
}

/** The chat's live (active or paused) binding, if any. */
export async function getLiveBinding(db: Db, chatId: string): Promise<ChatBindingRow | undefined> {
  const [row] = await db
    .select({
      id: chatBindings.id,
      chatId: chatBindings.chatId,
      unitId: chatBindings.unitId,
      status: chatBindings.status,
      boundBy: chatBindings.boundBy,
      boundAt: chatBindings.boundAt,
      pausedAt: chatBindings.pausedAt,
    })
    .from(chatBindings)
    .where(and(eq(chatBindings.chatId, chatId), ne(chatBindings.status, 'ended')));
  return row && { ...row, status: row.status as ChatBindingRow['status'] };
}

/** The unit a chat works for (active bindings only). */
export async function unitOfChat(db: Db, chatId: string): Promise<UnitRow | undefined> {
  const binding = await getLiveBinding(db, chatId);
  return binding?.status === 'active' ? getUnitById(db, binding.unitId) : undefined;
}

/** Chats actively bound to the unit. */
export async function chatsOfUnit(db: Db, unitId: number): Promise<string[]> {
  const rows = await db
    .select({ chatId: chatBindings.chatId })
    .from(chatBindings)
    .where(and(eq(chatBindings.unitId, unitId), eq(chatBindings.status, 'active')))
    .orderBy(chatBindings.boundAt);
  return rows.map((r) => r.chatId);
}

/** Whether the unit has a chat whose binding is paused (the bot was removed from it; adding it back resumes it). */
export async function hasPausedChat(db: Db, unitId: number): Promise<boolean> {
  const rows = await db
    .select({ chatId: chatBindings.chatId })
    .from(chatBindings)
    .where(and(eq(chatBindings.unitId, unitId), eq(chatBindings.status, 'paused')))
    .limit(1);
  return rows.length > 0;
}

/** Inserts an active binding; false when the chat already has a live one (a concurrent bind). */
export async function insertBinding(
  tx: Db,
  b: { chatId: string; unitId: number; boundBy: string | null },
  now: Date,
): Promise<boolean> {
  const rows = await tx
    .insert(chatBindings)
    .values({ ...b, status: 'active', boundAt: now })
    .onConflictDoNothing()
    .returning({ id: chatBindings.id });
  return rows.length > 0;
}

export async function endBinding(tx: Db, id: number, now: Date): Promise<void> {
  await tx.update(chatBindings).set({ status: 'ended', endedAt: now }).where(eq(chatBindings.id, id));
}

/** active → paused or paused → active; returns the binding when it changed. */
export async function switchBinding(
  tx: Db,
  chatId: string,
  to: 'active' | 'paused',
  now: Date,
): Promise<{ id: number; unitId: number } | undefined> {
  const [row] = await tx
    .update(chatBindings)
    .set({ status: to, pausedAt: to === 'paused' ? now : sql`paused_at` })
    .where(
      and(eq(chatBindings.chatId, chatId), eq(chatBindings.status, to === 'paused' ? 'active' : 'paused')),
    )
    .returning({ id: chatBindings.id, unitId: chatBindings.unitId });
  return row;
}

/** The actively bound chats `openId` sent materials to, latest first (at most `limit`). */
export async function boundChatsSentFrom(db: Db, openId: string, limit = 5): Promise<string[]> {
  const rows = await queryRows<{ chat_id: string }>(
    db,
    sql`select m.chat_id from materials m
        join chat_bindings b on b.chat_id = m.chat_id and b.status = 'active'
        where m.sender_open_id = ${openId}
        group by m.chat_id order by max(m.sent_at) desc limit ${limit}`,
  );
  return rows.map((r) => r.chat_id);
}
