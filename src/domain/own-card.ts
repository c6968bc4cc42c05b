import { ALERT_TITLES } from './alert-titles.js';

/**
 * Whether a card message forwarded into a chat is one of the bot's own (a reminder, a 督办, the weekly
 * digest a leader passes on): answering it 「卡片消息我保存不了…请截图」 would be noise, its content is
 * the bot's already. Lark gives a received card as `{title, elements}` (the header's title as text);
 * the bot's cards are told by their titles (cards/card-kit.ts `card()`): the fixed ones, and the
 * patterned ones with a unit's name. A card of another app (an approval's result) is none of them.
 */
const FIXED = new Set([
  '已更正',
  '归档助手已加入本群',
  '收到材料',
  '收到材料，已保存',
  '收到材料，请选择交到哪项任务',
  '更正',
  '材料已保存，没有交到任务里',
  '材料已分开',
  '材料已分开交',
  '材料已分开，请分别选择任务',
  '材料已提交',
  '材料没有保存成功',
  '没有待交的材料',
  '没有找到单位',
  '确认归档前请核对',
  '绑定成功',
  '请确认要绑定的单位',
  '还没交到任务里的材料',
  '已同意更正申请',
  '已不同意更正申请',
  '已关闭更正申请',
  '更正申请已同意',
  '已归入其他件',
  '📥 私聊发来的材料还没交',
  '确定撤下？',
  '确定撤销？',
  '申请更正',
  '已申请更正',
  '更正申请',
  '材料已撤回',
  // The operations alerts (cards/ops-alert-card.ts): 「告警：磁盘空间不足」, 「恢复正常：…」.
  ...Object.values(ALERT_TITLES).flatMap((t) => [`告警：${t}`, `恢复正常：${t}`]),
]);

const PATTERNED = [
  /^⏰ 交材料提醒 · /u,
  /^📌 督办 · /u,
  /^📊 进度周报 · /u,
  /^⚠️ 逾期未交齐 · /u,
  /^.+ · (?:进度|明细|还缺什么|未完成的归档任务|归档任务|任务都已完成)/u,
  /^.+ · 各.+的任务$/u,
  /^.+ · .+还没有任务清单$/u,
  // A task's card: 「#C03 危房改造」.
  /^#[A-Za-z]+\d[\w-]* /u,
];

export function isOwnCardTitle(title: string): boolean {
  const t = title.trim();
  return FIXED.has(t) || PATTERNED.some((p) => p.test(t));
}

/** The title of a received card message: `title`, or a whole card's header (as sent). */
function receivedCardTitle(contentJson: string): string | undefined {
  try {
    const c = JSON.parse(contentJson) as { title?: unknown; header?: { title?: { content?: unknown } } };
    const t = typeof c.title === 'string' ? c.title : c.header?.title?.content;
    return typeof t === 'string' && t.trim() !== '' ? t : undefined;
  } catch {
    return undefined;
  }
}

export const isOwnCard = (contentJson: string): boolean => {
  const title = receivedCardTitle(contentJson);
  return title !== undefined && isOwnCardTitle(title);
};
