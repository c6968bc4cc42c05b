import { PARTS_CARD_HERE } from '../cards/split-parts-card.js';
import type { JobPayload, PARTS_CARD_POINTER_JOB } from '../domain/job-types.js';
import type { ChatGateway } from '../ports/chat-gateway.js';

/**
 * A reply under a split burst's parts card, pointing to it: a tap on another copy of the burst's card
 * (burst-click.ts) is answered by it. The chat shows the reply last, quoting the parts card (a tap on
 * the quote goes there). Sent once: the job is keyed by the copy tapped and the send carries a uuid.
 */
export async function pointToPartsCard(
  gateway: ChatGateway,
  p: JobPayload<typeof PARTS_CARD_POINTER_JOB>,
): Promise<void> {
  await gateway.reply({
    messageId: p.partsCard,
    message: { msgType: 'text', content: JSON.stringify({ text: PARTS_CARD_HERE }) },
    uuid: p.uuid,
  });
}
