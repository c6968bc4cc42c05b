import { localDay, partsIn } from '../domain/working-days.js';

/** A short card for the operations chat: what is wrong (or that it is fixed), and since when. */
export function opsAlertCard(input: {
  title: string;
  detail: string;
  recovered: boolean;
  at: Date;
  timeZone: string;
}): object {
  const p = partsIn(input.at, input.timeZone);
  const when = `${localDay(input.at, input.timeZone)} ${p.hour}:${p.minute}`;
  return {
    schema: '2.0',
    header: {
      template: input.recovered ? 'green' : 'red',
      title: {
        tag: 'plain_text',
        content: input.recovered ? `恢复正常：${input.title}` : `告警：${input.title}`,
      },
    },
    body: {
      elements: [
        { tag: 'markdown', content: input.detail || (input.recovered ? '问题已消失。' : '') },
        { tag: 'markdown', content: `<font color='grey'>归档助手 · ${when}</font>` },
      ],
    },
  };
}
