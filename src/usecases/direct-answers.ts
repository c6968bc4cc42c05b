import type { ChatGateway } from '../ports/chat-gateway.js';

/**
 * The gateway as a command handler sees it when it answers a bot-menu tap: there is no message to
 * reply to, so a reply is sent to the person directly (same content, same send key).
 */
export function answeringInDirectChat(gateway: ChatGateway, openId: string): ChatGateway {
  const direct = Object.create(gateway) as ChatGateway;
  direct.reply = (input) =>
    gateway.sendMessage({
      receiveIdType: 'open_id',
      receiveId: openId,
      message: input.message,
      uuid: input.uuid,
    });
  return direct;
}
