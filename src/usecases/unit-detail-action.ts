import { createHash } from 'node:crypto';
import { UNIT_DETAIL } from '../cards/actions.js';
import { unitDetailCard } from '../cards/unit-detail-card.js';
import { missingForUnit } from '../db/repos/completeness-missing.js';
import { unitProgress } from '../db/repos/completeness-progress.js';
import { unitsOfPerson } from '../db/repos/person-units.js';
import { unitOfChat } from '../db/repos/units-chat-bindings.js';
import { getUnitById, pathIds, type UnitRow } from '../db/repos/units.js';
import type { BotDeps } from './deps.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { enqueueNotify } from './notify.js';
import { progressCalled, unitCalled } from './unit-naming.js';

/** At most this many missing tasks on the detail card. */
const MISSING_LISTED = 20;

/**
 * Whether a chat's members may all read a unit's detail: the chat is bound to the unit or a unit
 * above it (a village chat reads its village's), or it is the leaders' chat (`digestChat`) of such a unit.
 */
async function chatMayRead(deps: BotDeps, chatId: string, unit: UnitRow): Promise<boolean> {
  const chatUnit = await unitOfChat(deps.db, chatId);
  if (chatUnit && unit.path.startsWith(chatUnit.path)) return true;
  const line = await Promise.all(pathIds(unit.path).map((id) => getUnitById(deps.db, id)));
  return line.some((u) => u?.settings.digestChat === chatId);
}

/** Whether someone may read a unit's detail: they work for it or a unit above it. */
async function personMayRead(deps: BotDeps, openId: string, unit: UnitRow): Promise<boolean> {
  return (await unitsOfPerson(deps.db, openId)).some((u) => unit.path.startsWith(u.path));
}

/**
 * 查看全部 and the per-unit buttons of the reminder, escalation and digest cards (issue 14), when there
 * is no web page to open: the unit's detail card (unitDetailCard) is sent into the chat where the
 * button was tapped when that chat may read the unit, else to the tapper by direct message; the card
 * tapped stays as it was. Sent through the job queue (the answer to the
 * tap does not wait for Lark); the same person tapping the same button within a minute gets one card.
 */
export function unitDetailAction(o: { timeZone: string; wakeJobs: () => void }): DeclaredCardAction {
  return cardAction({
    type: UNIT_DETAIL,
    handle: async (deps, a) => {
      const unit = await getUnitById(deps.db, a.value.u);
      if (!unit || !a.chatId) return { toast: { type: 'error', content: '这个按钮已失效' } };
      const inChat = await chatMayRead(deps, a.chatId, unit);
      if (!inChat && !(await personMayRead(deps, a.operatorOpenId, unit)))
        return {
          toast: {
            type: 'error',
            content: `您不是${(await unitCalled(deps.db, unit)).shown}或其上级单位的工作人员，不能查看它的情况`,
          },
        };
      const now = deps.clock.now();
      const missing = await missingForUnit(deps.db, unit.id, now, {
        limit: MISSING_LISTED,
        timeZone: o.timeZone,
      });
      // The unit, its children and the units of its missing tasks named as answers name them (two 东村:
      // 城关镇东村), read once.
      const { progress, names } = await progressCalled(
        deps.db,
        (await unitProgress(deps.db, unit.id, now))!,
        missing.items.map((m) => ({ id: m.unitId, name: m.unitName })),
      );
      const minute = Math.floor(now.getTime() / 60_000);
      const uuid = `detail-${createHash('sha256')
        .update(`${unit.id}:${a.operatorOpenId}:${a.chatId}:${a.messageId ?? ''}:${minute}`)
        .digest('hex')
        .slice(0, 40)}`;
      // Into the chat only when all its members may read the unit; otherwise (a card forwarded into a
      // village chat, a group of mixed units) to the person who tapped, by direct message.
      await enqueueNotify(
        deps.db,
        {
          receiveIdType: inChat ? 'chat_id' : 'open_id',
          receiveId: inChat ? a.chatId : a.operatorOpenId,
          msgType: 'interactive',
          content: JSON.stringify(unitDetailCard(progress, missing, o.timeZone, now, names)),
          uuid,
        },
        now,
      );
      o.wakeJobs();
      return {
        toast: {
          type: 'success',
          content: `${progress.unit.name}的明细马上${inChat ? '发到这里' : '私信发给您'}`,
        },
      };
    },
  });
}
