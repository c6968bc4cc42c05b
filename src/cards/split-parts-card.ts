import { DESCRIBE_EDIT, FILE, FILED_VIEW, REOPEN, SKIP, UNDO } from './actions.js';
import { button, buttonRow, card, cardBytes, CARD_LIMIT_BYTES, esc, hr, md, wideButton } from './card-kit.js';
import { setAsideLine } from './filing-card.js';
import type { FilingChoice } from './task-browser-card.js';

/** Where one part of a split burst stands, as its row on the parts card shows it. */
export type PartState =
  | { kind: 'open'; suggestions: FilingChoice[] }
  | {
      kind: 'filed';
      itemId: number;
      taskLabel: string;
      undoable: boolean;
      /** A photo filed: its DA/T 50 description (事由 / 地点 / 人物), not given yet or saved. */
      description?: 'missing' | 'saved';
    }
  | { kind: 'skipped'; by?: string }
  | { kind: 'withdrawn' };

export interface PartRow {
  burstId: number;
  /** The part's filing round (filingRoundOfBurst): its task buttons carry it. */
  round: number;
  /** What the part is, to its sender: the file's name, else its kind (照片, 文件 …). */
  name: string;
  state: PartState;
}

/** Task buttons per open part, fewer when the card would pass Lark's size limit. */
const SUGGESTIONS = [3, 2, 1, 0];

/**
 * 分开交: one card listing the parts (instead of one card per file, up to 9 messages in the group).
 * Each open part offers its likeliest tasks (one tap files it), 其他任务 (its own full task browser on
 * this card) and 不用交; a filed one says where it went, with 撤销; the card is drawn again after
 * every tap on it, so each part's row is as it is now.
 */
export function splitPartsCard(input: { unitName: string; parts: PartRow[] }): object {
  for (const n of SUGGESTIONS) {
    const c = partsCardOf(input, n);
    if (n === 0 || cardBytes(c) <= CARD_LIMIT_BYTES) return c;
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

function partsCardOf(input: { unitName: string; parts: PartRow[] }, most: number): object {
  const open = input.parts.filter((p) => p.state.kind === 'open').length;
  const elements: object[] = [
    md(
      open > 0
        ? `已分成 ${input.parts.length} 份，每份单独交（${esc(input.unitName)}）：点任务即交到该任务。`
        : `已分成 ${input.parts.length} 份，都已处理。`,
    ),
  ];
  input.parts.forEach((p, i) => {
    elements.push(hr(), ...partRow(p, i + 1, most));
  });
  return card(
    open > 0 ? '材料已分开，请分别选择任务' : '材料已分开交',
    open > 0 ? 'blue' : 'green',
    elements,
    { summary: open > 0 ? `材料已分成 ${input.parts.length} 份，请分别选择任务` : '材料已分开交' },
  );
}

function partRow(p: PartRow, n: number, most: number): object[] {
  const title = `**${n}. ${esc(p.name)}**`;
  const b = p.burstId;
  switch (p.state.kind) {
    case 'withdrawn':
      return [md(`${title}\n已撤回，不再归档`)];
    case 'skipped':
      return [
        md(`${title}\n${setAsideLine(p.state.by)}`),
        buttonRow([button('重新选择任务', REOPEN.value({ b }))]),
      ];
    case 'filed':
      return [md(`${title}\n✅ 已交到 **${esc(p.state.taskLabel)}**`), ...filedButtons(b, p.state)];
    case 'open':
      return [
        md(title),
        ...p.state.suggestions
          .slice(0, most)
          .map((s, i) =>
            wideButton(s.label, FILE.value({ b, t: s.taskId, r: p.round }), i === 0 ? 'primary' : 'default'),
          ),
        buttonRow([button('其他任务', FILED_VIEW.value({ b })), button('不用交', SKIP.value({ b }))]),
      ];
  }
}

function filedButtons(b: number, f: Extract<PartState, { kind: 'filed' }>): object[] {
  const buttons = [
    ...(f.undoable ? [button('撤销', UNDO.value({ b, i: f.itemId }), 'danger')] : []),
    // The photo's description form opens on the card (saving it brings the parts back).
    ...(f.description
      ? [button(f.description === 'saved' ? '修改说明' : '写照片说明', DESCRIBE_EDIT.value({ i: f.itemId }))]
      : []),
  ];
  return buttons.length > 0 ? [buttonRow(buttons)] : [];
}

/**
 * Another copy of a split burst's card, tapped: it stops offering tasks and says where the parts are
 * (a reply under the parts card points to it).
 */
export function splitElsewhereCard(): object {
  return card('材料已分开', 'blue', [md(SPLIT_ELSEWHERE)], {
    summary: '材料已分开，请在分开后的卡片上选择任务',
  });
}

/** What a tap on another copy of a split burst's card is told (toast and card). */
export const SPLIT_ELSEWHERE = '这组材料已经分开了，请在群里最新回复的那张卡片上分别选择任务';

/** The reply under the parts card that points to it. */
export const PARTS_CARD_HERE = '这组材料已经分开了，请在这张卡片上分别选择任务';
