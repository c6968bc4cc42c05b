import type { ChatGateway } from '../ports/chat-gateway.js';

/** Is the person in the chat? The member list is cached; someone missing from it may have joined since: ask Lark once more. */
export async function isChatMember(gateway: ChatGateway, chatId: string, openId: string): Promise<boolean> {
  const has = (list: { openId: string }[]) => list.some((m) => m.openId === openId);
  return (
    has(await gateway.listChatMembers(chatId)) || has(await gateway.listChatMembers(chatId, { fresh: true }))
  );
}
