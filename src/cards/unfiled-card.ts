import { CARD_AGAIN } from './actions.js';
import { button, buttonRow, card, esc, md } from './card-kit.js';

export interface UnfiledLine {
  burstId: number;
  /** 「5月6日 14:30」 */
  when: string;
  senderName: string;
  /** 「3张照片、1个文件」 */
  what: string;
  /** The chat's name, in a direct message listing several chats. */
  chatName?: string;
}

/** 未归档: the bursts nobody filed yet, each with a button that sends its card again. */
export function unfiledCard(input: { lines: UnfiledLine[]; total: number; scope: string }): object {
  if (input.total === 0)
    return card('没有待交的材料', 'green', [md(`${esc(input.scope)}收到的材料都已交到任务里了。`)], {
      summary: '没有待交的材料',
    });
  const elements: object[] = [
    md(
      `${esc(input.scope)}还有 **${input.total}** 组材料没交到任务里。点「选任务」，会在原消息下面发出选择卡片：`,
    ),
  ];
  for (const l of input.lines) {
    elements.push(
      md(
        `${esc(l.when)} · ${esc(l.senderName)} · ${esc(l.what)}${l.chatName ? ` · ${esc(l.chatName)}` : ''}`,
      ),
      buttonRow([button('选任务', CARD_AGAIN.value({ b: l.burstId }), 'primary')]),
    );
  }
  if (input.total > input.lines.length)
    elements.push(
      md(`<font color='grey'>只列出最早的 ${input.lines.length} 组，交完后再发「未归档」看其余的。</font>`),
    );
  return card('还没交到任务里的材料', 'orange', elements, {
    summary: `还有 ${input.total} 组材料没交到任务里`,
  });
}
