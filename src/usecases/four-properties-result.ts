import { readFile } from 'node:fs/promises';
import { sendKey } from '../domain/send-key.js';
import type { ChatGateway, ReceiveIdType } from '../ports/chat-gateway.js';

/** A four-properties check's answer: its text, and its Excel report when it is sent as a file. */
export interface FourPropertiesResult {
  text: string;
  xlsx?: { fileName: string; path: string };
  /** The run's key (its ISO week, or the message that asked): with the receiver, each send's key. */
  runKey: string;
}

/**
 * Sends the text, then the Excel report as a file when there is one, to a chat or a person; keyed by
 * the run and the receiver, so a retried run posts each once.
 */
export async function sendFourPropertiesResult(
  gateway: ChatGateway,
  to: { receiveIdType: ReceiveIdType; receiveId: string },
  result: FourPropertiesResult,
): Promise<void> {
  await sendFourPropertiesText(gateway, to, result);
  await sendFourPropertiesFile(gateway, to, result);
}

/** The Excel report as a file, when the result has one (after its text). */
export async function sendFourPropertiesFile(
  gateway: ChatGateway,
  to: { receiveIdType: ReceiveIdType; receiveId: string },
  result: FourPropertiesResult,
): Promise<void> {
  if (!result.xlsx) return;
  const { fileKey } = await gateway.uploadFile({
    fileName: result.xlsx.fileName,
    bytes: await readFile(result.xlsx.path),
    fileType: 'xls',
  });
  await gateway.sendMessage({
    ...to,
    message: { msgType: 'file', content: JSON.stringify({ file_key: fileKey }) },
    uuid: sendKey('4pf', result.runKey, to.receiveId),
  });
}

/** The result's text alone (the first of its messages). */
export async function sendFourPropertiesText(
  gateway: ChatGateway,
  to: { receiveIdType: ReceiveIdType; receiveId: string },
  result: FourPropertiesResult,
): Promise<void> {
  await gateway.sendMessage({
    ...to,
    message: { msgType: 'text', content: JSON.stringify({ text: result.text }) },
    uuid: sendKey('4p', result.runKey, to.receiveId),
  });
}
