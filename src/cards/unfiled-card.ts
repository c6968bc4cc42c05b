import type { ButtonValue } from '../domain/card-action-type.js';
import { CARD_AGAIN } from './actions.js';
import { noOpenTaskChoose, noOpenTaskLine } from '../domain/no-tasks-yet.js';
import type { NoOpenTask } from '../domain/task-list-state.js';
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
  /** Its chat's unit, in a direct message (named there instead of 本单位, 本群). */
  unitName?: string;
  /** Its chat's unit has no open task (none given yet, or all waived): nothing to choose, no 选任务. */
  noTask?: NoOpenTask;
}

/**
 * 未归档: the bursts nobody filed yet, a page of them, each with a button that sends its card again.
 * `total` counts them all; `before` those on the pages before this one. While more follow, the card says
 * how many and offers 下一页 (`next`); a later page offers 回到第一页 (`first`).
 */
export function unfiledCard(input: {
  lines: UnfiledLine[];
  total: number;
  before: number;
  scope: string;
  next: ButtonValue;
  first: ButtonValue;
}): object {
  if (input.total === 0)
    return card('没有待交的材料', 'green', [md(`${esc(input.scope)}收到的材料都已交到任务里了。`)], {
      summary: '没有待交的材料',
    });
  const { lines, total, before } = input;
  const range = before > 0 && lines.length > 0 ? `，这是第 ${before + 1}–${before + lines.length} 组` : '';
  // Every line's unit has no open task (a township's group, a village before its 任务清单, or one whose
  // tasks are all waived): no 选任务, which could only bring back a card with nothing to choose; the
  // card says why, once when every line has the same reason (in a direct chat, where there is no 本群 or
  // 本单位, every line of the same chat, named), else on each line.
  const first = lines[0];
  const noTasks =
    !!first?.noTask &&
    lines.every((l) => l.noTask?.kind === first.noTask!.kind && l.unitName === first.unitName);
  const elements: object[] = [
    md(
      `${esc(input.scope)}还有 **${total}** 组材料没交到任务里${range}。` +
        (noTasks
          ? noOpenTaskChoose(first.noTask!, first.unitName && esc(first.unitName))
          : lines.every((l) => l.noTask)
            ? ''
            : '点「选任务」，会在原消息下面发出选择卡片：'),
    ),
  ];
  for (const l of lines) {
    elements.push(
      md(
        `${esc(l.when)} · ${esc(l.senderName)} · ${esc(l.what)}${l.chatName ? ` · ${esc(l.chatName)}` : ''}`,
      ),
    );
    if (!l.noTask)
      elements.push(buttonRow([button('选任务', CARD_AGAIN.value({ b: l.burstId }), 'primary')]));
    else if (!noTasks) elements.push(md(`<font color='grey'>${noOpenTaskLine(l.noTask)}</font>`));
  }
  const more = total - before - lines.length;
  if (more > 0) elements.push(md(`<font color='grey'>还有 ${more} 组没列出，点「下一页」查看。</font>`));
  else if (lines.length === 0) elements.push(md(`<font color='grey'>后面的都已交完。</font>`));
  const pages = [
    ...(more > 0 ? [button('下一页', input.next)] : []),
    ...(before > 0 ? [button('回到第一页', input.first)] : []),
  ];
  if (pages.length > 0) elements.push(buttonRow(pages));
  return card('还没交到任务里的材料', 'orange', elements, {
    summary: `还有 ${total} 组材料没交到任务里`,
  });
}
