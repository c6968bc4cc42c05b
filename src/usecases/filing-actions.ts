import { skippedCard } from '../cards/filing-card.js';
import { getBurst } from '../db/repos/bursts.js';
import { materialsOfBurst } from '../db/repos/materials.js';
import { textsBetween } from '../db/repos/messages.js';
import type { CardAction } from '../domain/incoming.js';
import { DomainError } from '../errors.js';
import { burstSummary, type BurstView } from './acknowledge-burst.js';
import type { CardActionRouter, CardResponse } from './card-actions.js';
import type { BotDeps } from './deps.js';
import { fileBurst } from './file-burst.js';
import { presentBurst, resultCard, type PresentDeps } from './present-burst.js';
import { undoFiling } from './undo-filing.js';

export interface FilingActionDeps {
  isChatMember: PresentDeps['isChatMember'];
  timeZone: string;
  quietWindowMs: number;
  maxFileBytes: number;
}

const num = (v: unknown): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new DomainError('bad_action', '这个按钮已失效，请重新发送材料');
  return n;
};

/** Registers the filing card's buttons: file (button or menu), 不归档, 重新选择, 撤销. */
export function registerFilingActions(router: CardActionRouter, o: FilingActionDeps): void {
  const present = (deps: BotDeps): PresentDeps => ({
    ...deps,
    isChatMember: o.isChatMember,
    timeZone: o.timeZone,
  });

  const view = async (deps: BotDeps, burstId: number): Promise<BurstView> => {
    const burst = await getBurst(deps.db, burstId);
    if (!burst) throw new DomainError('burst_not_found', '找不到这组材料');
    const materials = await materialsOfBurst(deps.db, burstId);
    const texts = await textsBetween(deps.db, {
      chatId: burst.chatId,
      senderOpenId: burst.senderOpenId,
      from: new Date(burst.firstAt.getTime() - o.quietWindowMs),
      to: burst.closesAt,
    });
    return {
      burst,
      materials,
      caption: burst.caption ?? (texts.length ? texts.join('\n') : null),
      summary: burstSummary(materials, o.maxFileBytes),
    };
  };

  const file = async (deps: BotDeps, a: CardAction, taskId: number): Promise<CardResponse> => {
    const burstId = num(a.value.b);
    const outcome = await fileBurst(present(deps), {
      burstId,
      taskId,
      actorOpenId: a.operatorOpenId,
      via: 'card',
    });
    if (outcome.status === 'refused') return { toast: { type: 'error', content: outcome.message } };
    const v = await view(deps, burstId);
    return {
      toast: { type: outcome.status === 'filed' ? 'success' : 'info', content: outcome.message },
      card: { type: 'raw', data: resultCard(burstId, v.summary, outcome, deps.clock.now()) },
    };
  };

  router.register('file', (deps, a) => file(deps, a, num(a.value.t)));
  router.register('file-select', (deps, a) => file(deps, a, num(a.option)));

  router.register('skip', async (deps, a) => {
    const v = await view(deps, num(a.value.b));
    return {
      toast: { type: 'info', content: '已标记为不归档' },
      card: { type: 'raw', data: skippedCard({ burstId: v.burst.id, summary: v.summary }) },
    };
  });

  router.register('reopen', async (deps, a) => {
    const v = await view(deps, num(a.value.b));
    const msg = await presentBurst(present(deps), v, { auto: false });
    return { card: { type: 'raw', data: JSON.parse(msg.content) } };
  });

  router.register('undo', async (deps, a) => {
    const outcome = await undoFiling(deps, {
      itemId: num(a.value.i),
      actorOpenId: a.operatorOpenId,
      source: 'card',
    });
    if (outcome.status === 'refused') return { toast: { type: 'error', content: outcome.message } };
    const v = await view(deps, num(a.value.b));
    const msg = await presentBurst(present(deps), v, { auto: false });
    return {
      toast: { type: 'success', content: outcome.message },
      card: { type: 'raw', data: JSON.parse(msg.content) },
    };
  });
}
