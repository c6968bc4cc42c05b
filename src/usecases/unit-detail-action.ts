import { createHash } from 'node:crypto';
import { UNIT_DETAIL } from '../cards/actions.js';
import { unitDetailCard } from '../cards/unit-detail-card.js';
import { missingForUnit } from '../db/repos/completeness-missing.js';
import { unitProgress } from '../db/repos/completeness-progress.js';
import { unitsOfPerson } from '../db/repos/person-units.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { getUnitById, type UnitRow } from '../db/repos/units.js';
import type { BotDeps } from './deps.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { enqueueNotify } from './notify.js';

/** At most this many missing tasks on the detail card. */
const MISSING_LISTED = 20;

/**
 * Whether someone may read a unit's detail: they work for it or a unit above it, or they tapped in
 * a chat bound to it or to a unit above it (a village chat's members read their village's).
 */
async function mayRead(deps: BotDeps, openId: string, chatId: string | undefined, unit: UnitRow) {
  const chatUnit = chatId ? await unitOfChat(deps.db, chatId) : undefined;
  if (chatUnit && unit.path.startsWith(chatUnit.path)) return true;
  return (await unitsOfPerson(deps.db, openId)).some((u) => unit.path.startsWith(u.path));
}

/**
 * 查看全部 and the per-unit buttons of the reminder, escalation and digest cards (issue 14), when there
 * is no web page to open: the unit's detail card (unitDetailCard) is sent into the chat where the
 * button was tapped, the card tapped stays as it was. Sent through the job queue (the answer to the
 * tap does not wait for Lark); the same person tapping the same button within a minute gets one card.
 */
export function unitDetailAction(o: { timeZone: string; wakeJobs: () => void }): DeclaredCardAction {
  return cardAction({
    type: UNIT_DETAIL,
    handle: async (deps, a) => {
      const unit = await getUnitById(deps.db, a.value.u);
      if (!unit || !a.chatId) return { toast: { type: 'error', content: '这个按钮已失效' } };
      if (!(await mayRead(deps, a.operatorOpenId, a.chatId, unit)))
        return {
          toast: { type: 'error', content: `您不是${unit.name}或其上级单位的工作人员，不能查看它的情况` },
        };
      const now = deps.clock.now();
      const progress = await unitProgress(deps.db, unit.id, now);
      const missing = await missingForUnit(deps.db, unit.id, now, {
        limit: MISSING_LISTED,
        timeZone: o.timeZone,
      });
      const minute = Math.floor(now.getTime() / 60_000);
      const uuid = `detail-${createHash('sha256')
        .update(`${unit.id}:${a.operatorOpenId}:${a.chatId}:${a.messageId ?? ''}:${minute}`)
        .digest('hex')
        .slice(0, 40)}`;
      await enqueueNotify(
        deps.db,
        {
          receiveIdType: 'chat_id',
          receiveId: a.chatId,
          msgType: 'interactive',
          content: JSON.stringify(unitDetailCard(progress!, missing, o.timeZone)),
          uuid,
        },
        now,
      );
      o.wakeJobs();
      return { toast: { type: 'success', content: `${unit.name}的明细马上发到这里` } };
    },
  });
}
