import { getUnitById } from '../db/repos/units.js';
import type { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sendKey } from '../domain/send-key.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Db } from '../db/client.js';
import { directMessageRefused } from './export-refused-by-lark.js';
import {
  sendFourPropertiesFile,
  sendFourPropertiesText,
  type FourPropertiesResult,
} from './four-properties-result.js';
import { unitCalled } from './unit-naming.js';
import type { FourPropertiesJobPayload } from './check-four-properties-run.js';

const at = (openId: string) => `<at user_id="${openId}"></at>`;

/**
 * 四性检测 asked in a group: the result names failing items (their titles hold households' names, ID
 * cards' scans among them) and its Excel report lists them all, which not every member of the group may
 * see; both go to the archivist who asked, by direct message (im/v1/messages, receive_id_type=open_id),
 * and the group gets one line: 通过 or 未通过 with the counts, and who has the report. When Lark will not
 * deliver to them (230013 the app not available to them, 230053 they stopped the bot, …: the first
 * message refused), the group is told with Lark's code how to ask in a direct chat with the bot, and the
 * result is sent nowhere. Each send keyed by the run and its receiver: a retried run posts once.
 */
export async function reportToRequester(
  deps: { db: Db; gateway: ChatGateway },
  payload: FourPropertiesJobPayload & { chatId: string; requester: string },
  result: FourPropertiesResult,
  summary: { passed: boolean; pieces: string; errors: number },
  log: Logger,
): Promise<void> {
  const to = { receiveIdType: 'open_id' as const, receiveId: payload.requester };
  const scope = await scopeOf(deps.db, payload);
  const toGroup = (text: string, key: string) =>
    deps.gateway.sendMessage({
      receiveIdType: 'chat_id',
      receiveId: payload.chatId,
      message: { msgType: 'text', content: JSON.stringify({ text }) },
      uuid: sendKey(key, result.runKey, payload.chatId),
    });
  try {
    await sendFourPropertiesText(deps.gateway, to, result);
  } catch (err) {
    if (!directMessageRefused(err)) throw err;
    log.warn({ larkCode: err.larkCode }, 'Lark refused the four-properties result to the requester');
    await toGroup(refusedText(scope, payload, err), '4pr');
    return;
  }
  await sendFourPropertiesFile(deps.gateway, to, result);
  const verdict = summary.passed
    ? `四性检测通过（${summary.pieces}）`
    : `四性检测未通过（${summary.pieces}；${summary.errors} 项不合格）`;
  await toGroup(
    `${scope.label}${verdict}。详细报告已私信发给 ${at(payload.requester)}` +
      (summary.passed ? '。' : '（报告里有个人信息，不在群里发送）。'),
    '4pg',
  );
}

/**
 * 「东村2025年度」 and the command that checks it again in a direct chat (「四性检测 东村 2025」); two 东村:
 * 「城关镇东村2025年度」, 「四性检测 城关镇东村 2025」 (unitCalled).
 */
async function scopeOf(db: Db, p: FourPropertiesJobPayload): Promise<{ label: string; again: string }> {
  const found = p.unitId === undefined ? undefined : await getUnitById(db, p.unitId);
  const unit = found && (await unitCalled(db, found));
  const year = p.year === undefined ? '' : `${p.year}`;
  return {
    label: `${unit?.shown ?? ''}${year ? `${year}年度` : ''}`,
    again: ['四性检测', unit?.asked, year].filter(Boolean).join(' '),
  };
}

/** The group's answer when the result could not be sent to the requester directly. */
const refusedText = (scope: { label: string; again: string }, p: { requester: string }, err: LarkApiError) =>
  `${at(p.requester)} ${scope.label}四性检测已完成，但飞书不让机器人给您发私信，没能发给您` +
  `（飞书错误码 ${err.larkCode}）。检测报告里有个人信息，不在群里发送。` +
  `请在飞书里搜索「归档助手」，打开和它的单聊，在单聊里发送「${scope.again}」。`;
