import type { ChatGateway } from '../ports/chat-gateway.js';

/**
 * Is the person in the chat? The member list is cached, and joins and leaves reach it as events
 * (`membersChanged`); someone missing from it is looked up again only as the gateway's `expecting`
 * allows (at most once per chat per floor), so a non-member tapping again and again costs no read a tap.
 */
export async function isChatMember(gateway: ChatGateway, chatId: string, openId: string): Promise<boolean> {
  const members = await gateway.listChatMembers(chatId, { expecting: [openId] });
  return members.some((m) => m.openId === openId);
}
