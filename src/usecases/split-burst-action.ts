import { MATERIALS_BUTTON_GONE } from '../domain/materials-button-gone.js';
import { SPLIT } from '../cards/actions.js';
import { clickedBurstView } from './burst-click.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { cardAsItIsNow } from './filing-actions.js';
import type { FilingDeps } from './file-burst.js';
import { splitBurst } from './split-burst.js';
import { partsCardOf } from './split-parts.js';

export interface SplitActionDeps {
  isChatMember: FilingDeps['isChatMember'];
  timeZone: string;
  quietWindowMs: number;
  maxFileBytes: number;
}

/**
 * 「分开归档」 on the filing card: bound to the burst's chat, card and filing round like the other
 * filing buttons; the split is database work only, and the tap is answered with the parts card
 * (each part's tasks, on this one card).
 */
export function splitBurstAction(o: SplitActionDeps): DeclaredCardAction {
  return cardAction({
    type: SPLIT,
    handle: async (deps, a) => {
      const v = await clickedBurstView(deps, o, a, a.value.b);
      // The parts are listed on the card tapped (clickedBurstView checked it is the burst's).
      const cardMessageId = a.messageId ?? v.burst.ackMessageId;
      if (!cardMessageId) return { toast: { type: 'error', content: MATERIALS_BUTTON_GONE } };
      const out = await splitBurst(
        { db: deps.db, clock: deps.clock, isChatMember: o.isChatMember },
        { burstId: v.burst.id, actorOpenId: a.operatorOpenId, round: a.value.r, cardMessageId },
      );
      // A copy of the card drawn before the last filing or 撤销: drawn as the burst is now.
      if (out.status === 'refused' && out.stale)
        return cardAsItIsNow({ ...deps, isChatMember: o.isChatMember, timeZone: o.timeZone }, v);
      if (out.status === 'refused') return { toast: { type: 'error', content: out.message } };
      return {
        toast: { type: 'success', content: out.message },
        card: { type: 'raw', data: (await partsCardOf(deps, cardMessageId))! },
      };
    },
  });
}
