import { SPLIT } from '../cards/actions.js';
import { splitCard } from '../cards/filing-card.js';
import { clickedBurstView } from './burst-click.js';
import { cardAction, type DeclaredCardAction } from './feature.js';
import { cardAsItIsNow } from './filing-actions.js';
import type { FilingDeps } from './file-burst.js';
import { splitBurst } from './split-burst.js';

export interface SplitActionDeps {
  isChatMember: FilingDeps['isChatMember'];
  timeZone: string;
  quietWindowMs: number;
  maxFileBytes: number;
  /** Wakes the job worker: the per-file cards are sent by `split-card` jobs. */
  wakeJobs(): void;
}

/**
 * 「分开归档」 on the filing card: bound to the burst's chat, card and filing round like the other
 * filing buttons; the split is database work only (the per-file cards are jobs), so the tap is
 * answered at once with the card saying what happens next.
 */
export function splitBurstAction(o: SplitActionDeps): DeclaredCardAction {
  return cardAction({
    type: SPLIT,
    handle: async (deps, a) => {
      const v = await clickedBurstView(deps, o, a, a.value.b);
      const out = await splitBurst(
        { db: deps.db, clock: deps.clock, isChatMember: o.isChatMember },
        { burstId: v.burst.id, actorOpenId: a.operatorOpenId, round: a.value.r },
      );
      // A copy of the card drawn before the last filing or 撤销: drawn as the burst is now.
      if (out.status === 'refused' && out.stale)
        return cardAsItIsNow({ ...deps, isChatMember: o.isChatMember, timeZone: o.timeZone }, v);
      if (out.status === 'refused') return { toast: { type: 'error', content: out.message } };
      o.wakeJobs();
      return {
        toast: { type: 'success', content: out.message },
        card: { type: 'raw', data: splitCard({ summary: v.summary, parts: out.parts }) },
      };
    },
  });
}
