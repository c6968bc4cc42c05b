import { exportAgainCommand } from '../domain/export-again.js';
import type { UnitCalled } from '../domain/pick-unit.js';
import { LarkApiError } from '../errors.js';

/** im/v1/files: the file is larger than Lark takes (30 MB). */
const FILE_TOO_LARGE = 234006;
/** The app lacks a permission for the call (a scope not granted, or not published yet). */
const NO_PERMISSION = 230027;

/**
 * What the requester of a chat export reads when Lark refused to take the package (its upload, or the
 * message carrying it): the package is on the server either way; what happened in plain words and what the
 * system administrator checks, Lark's code last (for them). Never Lark's raw message. `again`: the
 * command that exports again, as sent in that chat (「@归档助手 导出 城关村 2026」).
 */
export function exportRefusedByLarkText(err: LarkApiError, again: string): string {
  const made = '包已生成并保存在服务器上，但';
  const code = `（飞书错误码 ${err.larkCode}）`;
  if (err.larkCode === FILE_TOO_LARGE)
    return (
      `${made}文件超过了飞书允许发送的大小，没能发给您。` +
      `请联系系统管理员从服务器取用，并把 archive.yaml 中的 chatUploadLimitMb 调小。${code}`
    );
  if (err.isScopeRefused || err.larkCode === NO_PERMISSION)
    return (
      `${made}机器人没有在飞书发送文件的权限。` +
      `请联系系统管理员：在飞书开发者后台给应用开通 im:resource 权限并发布新版本，然后重新发送「${again}」。${code}`
    );
  if (err.isRetryable) return `${made}飞书暂时没有接收，没能发给您。请过几分钟重新发送「${again}」。${code}`;
  return `${made}飞书拒绝了发送，没能发给您。请联系系统管理员从服务器取用，并按错误码查明原因。${code}`;
}

/**
 * Lark would not deliver a direct message to this person (230013: the app is not available to them;
 * 230053: they stopped the bot; or another refusal of the recipient). Not one that passes (busy, a
 * 5xx) or that the administrator fixes (a permission): those are the export's failure as before.
 */
export const directMessageRefused = (err: unknown): err is LarkApiError =>
  err instanceof LarkApiError &&
  !err.isRetryable &&
  !err.isScopeRefused &&
  err.larkCode !== NO_PERMISSION &&
  err.larkCode !== FILE_TOO_LARGE;

/** A group's export whose package Lark would not send to the requester directly. */
export class DirectMessageRefused extends Error {
  constructor(readonly refusal: LarkApiError) {
    super('Lark refused the direct message to the requester');
  }
}

/**
 * The group's answer when the package could not be sent to the requester directly: said plainly, the
 * package not posted in the group, and how to get it (a direct chat with the bot, 导出 there).
 */
export function directRefusedText(unit: UnitCalled, year: number, preCheck: boolean, err: LarkApiError) {
  return (
    `${unit.shown}${year}年度${preCheck ? '预检包' : '移交包'}已生成，但飞书不让机器人给您发私信，没能发给您` +
    `（飞书错误码 ${err.larkCode}）。包里有个人信息，不在群里发送。` +
    `请在飞书里搜索「归档助手」，打开和它的单聊，在单聊里发送「${exportAgainCommand(unit.asked, year)}」。`
  );
}
