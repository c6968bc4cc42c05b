import type { ChatGateway } from '../ports/chat-gateway.js';

/** Replies with plain text; `uuid` makes a retried reply post once. */
export async function replyText(
  gateway: ChatGateway,
  messageId: string,
  text: string,
  uuid: string,
): Promise<void> {
  await gateway.reply({ messageId, message: { msgType: 'text', content: JSON.stringify({ text }) }, uuid });
}

/** Replies with a JSON 2.0 card. */
export async function replyCard(
  gateway: ChatGateway,
  messageId: string,
  card: object,
  uuid: string,
): Promise<string> {
  const res = await gateway.reply({
    messageId,
    message: { msgType: 'interactive', content: JSON.stringify(card) },
    uuid,
  });
  return res.messageId;
}
