import { setAsideBy } from '../db/repos/burst-split.js';
import { chatMemberNames, type ChatMemberNamesDeps } from './chat-member-names.js';

/**
 * Whether the burst is set aside (不用交), and who marked it so, named as the chat knows them (the
 * set-aside card says who, so the sender can see it and choose a task again). Undefined when it is not
 * set aside; `by` absent when the person cannot be named.
 */
export async function setAsideNamed(
  deps: ChatMemberNamesDeps,
  burst: { id: number; chatId: string },
): Promise<{ by?: string } | undefined> {
  const actor = await setAsideBy(deps.db, burst.id);
  if (actor === undefined) return undefined;
  const by = (await chatMemberNames(deps, [{ openId: actor, chatId: burst.chatId }])).get(actor);
  return by ? { by } : {};
}
