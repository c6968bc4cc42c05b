import type { Db } from '../db/client.js';
import { topAdmins } from '../db/repos/people.js';
import { errorMessage, LarkApiError } from '../errors.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { DoctorLine } from './doctor.js';

const LABEL = '告警去向';

/** How many people the alerts go to by direct message when OPS_CHAT_ID is unset (topAdmins). */
export async function alertRecipients(db: Db): Promise<number> {
  return (await topAdmins(db)).length;
}

/**
 * The doctor's 告警去向 line: where the alerts go, and whether they can arrive there.
 * Alerts (dead rows, disk low, Lark refusing the app …) go to OPS_CHAT_ID, else to the admins of the top
 * units. A chat the bot is not in, a mistyped chat id, or no admin at all left every alert undelivered,
 * with only a log line to show for it.
 * `gateway`: absent when Lark refused the credentials (the chat cannot be asked about then).
 * `admins`: the recipients when OPS_CHAT_ID is unset (from the database, or from the running bot that
 * holds it); undefined when neither could say: a warning, not ✓.
 */
export async function alertsLine(
  gateway: ChatGateway | undefined,
  opsChatId: string | undefined,
  admins: number | undefined,
): Promise<DoctorLine> {
  if (opsChatId) {
    if (!gateway)
      return {
        status: 'warn',
        label: LABEL,
        detail: `发到运维群 ${opsChatId}（OPS_CHAT_ID）：飞书凭证无效，无法核对`,
      };
    try {
      const chat = await gateway.getChat(opsChatId);
      return { status: 'ok', label: LABEL, detail: `发到运维群「${chat.name ?? opsChatId}」（OPS_CHAT_ID）` };
    } catch (err) {
      if (err instanceof LarkApiError && !err.isRetryable)
        return {
          status: 'fail',
          label: LABEL,
          detail:
            `飞书找不到 OPS_CHAT_ID=${opsChatId} 这个群，或机器人不在群里（错误码 ${err.larkCode}）：告警发不出去。` +
            '把机器人拉进运维群，再用 npm run cli -- chats list 查到群号填进 OPS_CHAT_ID',
        };
      // Lark out of reach: the credentials line above says so already.
      return {
        status: 'warn',
        label: LABEL,
        detail: `无法向飞书核对运维群 ${opsChatId}：${errorMessage(err)}`,
      };
    }
  }
  // Not counted (the database not there yet or not readable, a running bot that does not say): ✓ here
  // passed an installation with no admin at all, whose every alert reached nobody.
  if (admins === undefined)
    return {
      status: 'warn',
      label: LABEL,
      detail:
        '没有设置 OPS_CHAT_ID：私信最上级单位的管理员，但这次数不到有几位，没能核对。' +
        '一位也没有的话，处理失败、磁盘不足等告警没有人收到；数据库能读时再运行 doctor，或设置 OPS_CHAT_ID（机器人所在的运维群）',
    };
  if (admins === 0)
    return {
      status: 'warn',
      label: LABEL,
      detail:
        '没有设置 OPS_CHAT_ID，也没有管理员：处理失败、磁盘不足等告警没有人收到。' +
        '设置 OPS_CHAT_ID（机器人所在的运维群），或在人员表里给县级单位导入一位管理员（units people import）',
    };
  return { status: 'ok', label: LABEL, detail: `没有设置 OPS_CHAT_ID：私信最上级单位的 ${admins} 位管理员` };
}
