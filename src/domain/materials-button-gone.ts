/**
 * A tap on a materials card that cannot act here: a card forwarded into another chat, an old or garbled
 * button. The materials are kept already, so it never asks to send them again (that made duplicates);
 * it says nothing of the chat or burst the value names, only where the officer can file from.
 */
export const MATERIALS_BUTTON_GONE =
  '这个按钮在这里用不了。材料不用重发：到材料所在的群里发送「@归档助手 未归档」，从列表里选任务。';
