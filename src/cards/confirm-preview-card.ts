import type { CardActionValue } from '../domain/card-action-type.js';
import { CONFIRM_ARCHIVE } from './actions.js';
import type { ConfirmPreview } from '../domain/confirm-preview.js';
import { RETENTION_LABELS, type Retention } from '../domain/checklist.js';
import { button, buttonRow, card, esc, linkButton, md } from './card-kit.js';

/** The value of the 确认归档 button (the archivist's second step). */
export type ConfirmArchiveValue = CardActionValue<typeof CONFIRM_ARCHIVE>;

/**
 * `确认归档` first shows what will get permanent numbers: per class the items, year and retention,
 * and what is not ready yet. The numbers are given only after 确认归档 on this card.
 */
export function confirmPreviewCard(
  unitName: string,
  year: number,
  p: ConfirmPreview,
  value: ConfirmArchiveValue,
  /**
   * The page of the 件 it would number (with web pages: /units/:id/unconfirmed), each openable before
   * they are numbered; with `&gaps=1`, the photo groups lacking a description.
   */
  pageUrl?: string,
  /** Why the card is drawn again (its earlier tap numbered nothing), above what it shows. */
  note?: string,
): object {
  const lines = p.classes.map(
    (c) =>
      `- ${esc(c.taskClass)} · ${c.year}年度 · 保管期限${esc(RETENTION_LABELS[c.retention as Retention] ?? c.retention)}：${c.count}件`,
  );
  const elements: object[] = [
    ...(note ? [md(`**${esc(note)}**`)] : []),
    md(
      `确认后将给 **${esc(unitName)}${year}年度** 的 **${p.total}件** 材料编上档号（编上后不再改动）：\n${lines.join('\n')}`,
    ),
  ];
  if (p.notReadyCount > 0 || p.failedDownloads > 0) {
    const notes = [
      ...(p.notReadyCount > 0
        ? [
            `**${p.notReadyCount}组照片还没有写说明**（可以先补再确认）：`,
            ...p.notReady.map((l) => `- ${esc(l)}`),
          ]
        : []),
      ...(p.notReadyCount > p.notReady.length ? [`- 还有 ${p.notReadyCount - p.notReady.length} 组`] : []),
      ...(p.notReadyCount > 0 && pageUrl ? [`[逐组查看、补写说明](${pageUrl}&gaps=1)`] : []),
      ...(p.failedDownloads > 0
        ? [`**${p.failedDownloads}个文件没有保存成功**，需要重新发送，不在本次确认之内。`]
        : []),
    ];
    elements.push(md(notes.join('\n')));
  }
  if (p.undescribedSplitCount > 0)
    elements.push(
      md(
        [
          `**${p.undescribedSplitCount}件是移出后的新件，还没有著录**（题名是临时的，文号、页数待填；请先在件的页面填写著录再确认）：`,
          ...p.undescribedSplits.map((l) => `- ${esc(l)}`),
          ...(p.undescribedSplitCount > p.undescribedSplits.length
            ? [`- 还有 ${p.undescribedSplitCount - p.undescribedSplits.length} 件`]
            : []),
        ].join('\n'),
      ),
    );
  if (p.uncountedCount > 0)
    elements.push(
      md(
        [
          `**${p.uncountedCount}件里有任务不计的文件**，可能交错了任务（可以先用「查」改归再确认）：`,
          ...p.uncounted.map((l) => `- ${esc(l)}`),
          ...(p.uncountedCount > p.uncounted.length
            ? [`- 还有 ${p.uncountedCount - p.uncounted.length} 件`]
            : []),
        ].join('\n'),
      ),
    );
  if (p.refusedFormatsCount > 0)
    elements.push(
      md(
        [
          `**${p.refusedFormatsCount}件里有格式不能归档的文件**，导出时四性检测不通过（请让提交人按卡片上的说明重新发送）：`,
          ...p.refusedFormats.map((l) => `- ${esc(l)}`),
          ...(p.refusedFormatsCount > p.refusedFormats.length
            ? [`- 还有 ${p.refusedFormatsCount - p.refusedFormats.length} 件`]
            : []),
        ].join('\n'),
      ),
    );
  elements.push(
    buttonRow([
      button(`确认归档 ${p.total}件`, CONFIRM_ARCHIVE.value(value), 'primary'),
      ...(pageUrl ? [linkButton('逐项查看', pageUrl)] : []),
    ]),
  );
  return card('确认归档前请核对', 'orange', elements, {
    summary: `确认归档：${unitName}${year}年度 ${p.total}件`,
  });
}

/** After the tap: numbering runs in the background; the card says so, then the result. */
export function confirmResultCard(title: string, text: string, template: 'blue' | 'green' | 'red'): object {
  return card(title, template, [md(esc(text))], { summary: text.slice(0, 60) });
}
