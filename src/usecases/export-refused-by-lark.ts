import type { LarkApiError } from '../errors.js';

/** im/v1/files: the file is larger than Lark takes (30 MB). */
const FILE_TOO_LARGE = 234006;
/** The app lacks a permission for the call (a scope not granted, or not published yet). */
const NO_PERMISSION = 230027;

/**
 * What the requester of a chat export reads when Lark refused to take the package (its upload, or the
 * reply carrying it): the package is on the server either way; what happened in plain words and what the
 * system administrator checks, Lark's code last (for them). Never Lark's raw message. `again`: the
 * command that exports again, as sent in that chat (「@归档助手 导出 城关村 2026」).
 */
export function exportRefusedByLarkText(err: LarkApiError, again: string): string {
  const made = '包已生成并保存在服务器上，但';
  const code = `（飞书错误码 ${err.larkCode}）`;
  if (err.larkCode === FILE_TOO_LARGE)
    return (
      `${made}文件超过了飞书允许发送的大小，没能发到群里。` +
      `请联系系统管理员从服务器取用，并把 archive.yaml 中的 chatUploadLimitMb 调小。${code}`
    );
  if (err.isScopeRefused || err.larkCode === NO_PERMISSION)
    return (
      `${made}机器人没有在飞书发送文件的权限。` +
      `请联系系统管理员：在飞书开发者后台给应用开通 im:resource 权限并发布新版本，然后重新发送「${again}」。${code}`
    );
  if (err.isRetryable)
    return `${made}飞书暂时没有接收，没能发到群里。请过几分钟重新发送「${again}」。${code}`;
  return `${made}飞书拒绝了发送，没能发到群里。请联系系统管理员从服务器取用，并按错误码查明原因。${code}`;
}
