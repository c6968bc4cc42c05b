import type { Db } from '../db/client.js';
import { touchChat } from '../db/repos/chats.js';
import type { Clock } from '../ports/clock.js';

/**
 * Notes activity in chats (`touchChat`: the chat's row, made for a chat the bot never saw being added
 * to, and its `last_message_at`) at most once per chat per `everyMs` in this process: a flood of photos
 * in one chat writes its row once, not once per photo. `last_message_at` is informational (nothing
 * decides on it) and may lag the newest message by up to `everyMs`.
 */
export class ChatActivity {
  /** Chat id → when this process last wrote it (clock ms). */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly everyMs = 60_000,
    /** Chats remembered at most; beyond, the memory starts over (each chat is then written once more). */
    private readonly maxChats = 10_000,
  ) {}

  async note(db: Db, clock: Clock, c: { chatId: string; chatType: string; at: Date }): Promise<void> {
    const now = clock.now().getTime();
    const last = this.written.get(c.chatId);
    if (last !== undefined && now >= last && now - last < this.everyMs) return;
    await touchChat(db, c);
    if (this.written.size >= this.maxChats) this.written.clear();
    this.written.set(c.chatId, now);
  }
}
