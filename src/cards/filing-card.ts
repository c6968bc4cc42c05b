import { FILE, FILE_SELECT, FILED_VIEW, FIX, REOPEN, SKIP, UNDO } from './actions.js';
import { button, buttonRow, card, esc, hr, linkButton, md, selectMenu, shortDate } from './card-kit.js';
import { describeItemForm } from './describe-item-card.js';

export interface FilingChoice {
  taskId: number;
  code: string;
  title: string;
  dueAt: Date;
  missingText: string;
  reasons?: string[];
}

/**
 * The burst's acknowledgment as a filing card: what arrived, up to five suggested tasks (one tap
 * files the whole burst), a menu with every other open task, and 不归档.
 */
export function filingCard(input: {
  burstId: number;
  /** The burst's filing round (filingRoundOfBurst): its buttons carry it. */
  round: number;
  summary: string;
  caption: string | null;
  unitName: string;
  suggestions: FilingChoice[];
  others: FilingChoice[];
  timeZone: string;
}): object {
  const b = input.burstId;
  const lines = [esc(input.summary)];
  if (input.caption) lines.push(`说明：${esc(input.caption.slice(0, 200))}`);
  const elements: object[] = [md(lines.join('\n'))];
  if (input.suggestions.length > 0) {
    elements.push(md(`**归档到哪项任务？**（${esc(input.unitName)}）点一下即可`));
    for (const s of input.suggestions) {
      elements.push(
        buttonRow([
          button(
            `${s.code} ${s.title}`.slice(0, 40),
            FILE.value({ b, t: s.taskId, r: input.round }),
            'primary',
          ),
        ]),
        md(
          `<font color='grey'>${esc(s.missingText)} · 截止 ${shortDate(s.dueAt, input.timeZone)}${
            s.reasons?.length ? ` · ${esc(s.reasons.join('、'))}` : ''
          }</font>`,
        ),
      );
    }
  } else {
    elements.push(md('本单位暂时没有待归档的任务。'));
  }
  if (input.others.length > 0) {
    elements.push(
      selectMenu(
        '其他任务…',
        input.others
          .slice(0, 100)
          .map((o) => ({ text: `${o.code} ${o.title}`.slice(0, 60), value: String(o.taskId) })),
        FILE_SELECT.value({ b, r: input.round }),
      ),
    );
  }
  elements.push(hr(), buttonRow([button('不归档', SKIP.value({ b }))]));
  return card('收到材料，请选择归档任务', 'blue', elements);
}

/** After a click: the result, with 撤销 (24 hours, asks first) and 更正 (an archivist's corrections, 申请更正 after). */
export function filedCard(input: {
  burstId: number;
  itemId: number;
  summary: string;
  taskLabel: string;
  progressText: string;
  filedByName?: string;
  undoable: boolean;
  /** A photo group just filed: ask for its DA/T 50 description (事由 / 地点 / 人物), optional. */
  askDescription?: boolean;
  /** The item's web page (PUBLIC_URL set): a 查看 button. */
  pageUrl?: string;
}): object {
  const elements: object[] = [
    md(`${esc(input.summary)}\n\n✅ 已归档到 **${esc(input.taskLabel)}**\n${esc(input.progressText)}`),
  ];
  if (input.filedByName) elements.push(md(`<font color='grey'>归档人：${esc(input.filedByName)}</font>`));
  elements.push(
    buttonRow([
      ...(input.undoable
        ? [button('撤销', UNDO.value({ b: input.burstId, i: input.itemId }), 'danger')]
        : []),
      button(input.undoable ? '更正' : '申请更正', FIX.value({ i: input.itemId })),
      ...(input.pageUrl ? [linkButton('查看', input.pageUrl)] : []),
    ]),
  );
  if (input.askDescription)
    elements.push(
      hr(),
      md(
        '按档案规范（DA/T 50），照片要写明事由、地点、人物（时间取自照片本身）。可以不填，但会记为质量问题：',
      ),
      describeItemForm(input.itemId),
    );
  return card('材料已归档', 'green', elements);
}

/** 撤销 asks once more: one stray tap must not take a filing back. */
export function confirmUndoCard(input: {
  burstId: number;
  itemId: number;
  summary: string;
  taskLabel: string;
}): object {
  return card(
    '确定撤销？',
    'red',
    [
      md(
        `${esc(input.summary)}\n\n撤销后这组材料不再算作 **${esc(input.taskLabel)}** 的材料，可以重新选择任务。`,
      ),
      buttonRow([
        button('确定撤销', UNDO.value({ b: input.burstId, i: input.itemId, sure: 1 }), 'danger'),
        button('不撤销', FILED_VIEW.value({ b: input.burstId })),
      ]),
    ],
    { summary: `确定撤销提交到${input.taskLabel}的材料？` },
  );
}

export function skippedCard(input: { burstId: number; summary: string }): object {
  return card('材料已保存，未归档', 'grey', [
    md(`${esc(input.summary)}\n\n已标记为不归档（原件已保存）。`),
    buttonRow([button('重新选择任务', REOPEN.value({ b: input.burstId }))]),
  ]);
}

/** A chat not bound to a unit yet: the materials are safe, filing waits for the binding. */
export function unboundCard(summary: string): object {
  return card('收到材料', 'blue', [
    md(`${esc(summary)}\n\n本群还没有绑定单位，暂时无法归档。管理员可发送「@归档助手 绑定 村名」完成绑定。`),
  ]);
}
