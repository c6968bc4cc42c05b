import { isOwnCard } from './own-card.js';

/**
 * A message the bot cannot keep and whose sender may take as handed in: a folder (Lark gives a bot
 * no way to download one) or a card forwarded from an app (an approval's result), anywhere; in a
 * direct chat, where everything is addressed to the bot, any other kind it does not keep (a shared
 * chat or contact, a location, a to-do) except a sticker. In a group those are conversation, and
 * answering each would be noise. Undefined: nothing to say. (`cloud_doc`: a cloud document's address
 * posted in a bound group, the text itself kept as any text; capture-message.ts.)
 */
export type UnkeptKind = 'folder' | 'card' | 'other' | 'cloud_doc';

const SILENT = new Set(['sticker', 'system', 'hongbao', 'video_chat']);

/** `content`: Lark's content JSON; a card of the bot's own forwarded back (domain/own-card.ts) is not answered. */
export function unkeptKind(msgType: string, direct: boolean, content = '{}'): UnkeptKind | undefined {
  if (msgType === 'folder') return 'folder';
  if (msgType === 'interactive') return isOwnCard(content) ? undefined : 'card';
  return direct && !SILENT.has(msgType) ? 'other' : undefined;
}

/** What its sender is told: nothing was kept, and how to send it so that it is. */
export function unkeptNotice(kind: UnkeptKind, direct: boolean): string {
  const where = direct ? '发到本村（本单位）的工作群' : '发到群里';
  switch (kind) {
    case 'folder':
      return `文件夹我打不开，里面的文件没有保存。请打开文件夹，选中里面的照片或文件，直接${where}。`;
    case 'card':
      return `卡片消息我保存不了。如果要交这张卡片的内容，请截图，把图片${where}。`;
    case 'other':
      return '这类消息我保存不了。要交材料，请直接发照片、文件、语音或视频。';
    case 'cloud_doc':
      return direct ? CLOUD_DOC_NOT_KEPT : CLOUD_DOC_NOT_KEPT_IN_GROUP;
  }
}

/**
 * A Lark cloud document's address in a text (云文档, 表格, 多维表格, 知识库 …): the bot cannot open it
 * (the document is not shared with the app), so the document is not kept unless it is sent as a file.
 */
const CLOUD_DOC =
  /https?:\/\/[\w.-]*(?:feishu\.cn|larksuite\.com|larkoffice\.com|feishu-pre\.cn)\/(?:docx|docs|doc|sheets|sheet|base|wiki|mindnotes|slides|file|drive)\//i;

export const hasCloudDocLink = (text: string): boolean => CLOUD_DOC.test(text);

/**
 * A cloud document's address in a received text or rich-text post: in its text, or behind a link
 * (a post's `a` node shows the document's name and carries the address as `href`).
 */
export function cloudDocLinkIn(msgType: string, contentJson: string): boolean {
  if (msgType !== 'text' && msgType !== 'post') return false;
  return hasCloudDocLink(contentJson.replace(/\\\//g, '/'));
}

/** The answer to a cloud document's address sent to the bot. */
export const CLOUD_DOC_NOT_KEPT =
  '云文档链接我打不开，文档没有保存。请在文档右上角「…」里选「下载为」Word、Excel 或 PDF，再把文件发过来。';

/** The same, said under an address posted in a bound group without @ (the file goes to the group). */
const CLOUD_DOC_NOT_KEPT_IN_GROUP =
  '云文档链接我打不开，文档没有保存。要交这份文档，请在文档右上角「…」里选「下载为」Word、Excel 或 PDF，再把下载的文件发到群里。';
