import { countsText, type BurstCounts } from '../domain/burst-summary.js';
import { card, md } from './card-kit.js';
import { FORWARD_TO_GROUP } from './filing-card.js';

/** What the officer is told, once, a working day after sending files to the bot in a direct chat. */
export function unforwardedText(v: { counts: BurstCounts; sentDay: string }): string {
  return (
    `您${v.sentDay}私聊发给我的 ${countsText(v.counts)}还没有发到工作群，所以还没交到任务里。` +
    FORWARD_TO_GROUP +
    '不用交的，不用管它，这件事我只提醒这一次。'
  );
}

export function unforwardedCard(v: { counts: BurstCounts; sentDay: string }): object {
  return card('📥 私聊发来的材料还没交', 'orange', [md(unforwardedText(v))]);
}
