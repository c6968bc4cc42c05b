import { LarkApiError } from '../errors.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import { CONTACT_SCOPES, UNNAMED_MEANWHILE } from '../usecases/learn-person-name.js';
import type { DoctorLine } from './doctor.js';

const LABEL = '成员姓名';

/**
 * The doctor's 成员姓名 line: whether Lark gives the bot people's names (scope
 * `contact:user.base:readonly`), asked by looking up the bot's own open_id — Lark checks the scope
 * before the person, so a refused scope answers 99991672 whoever is asked, and anything else means
 * the scope is there. Without it the bot works, but names show as 「未登记姓名的成员（…末4位）」:
 * a warning, as in the one-time operations notice (learnPersonName). Undefined when Lark could not be
 * reached (the credentials line says so).
 */
export async function contactScopeLine(
  gateway: Pick<ChatGateway, 'getUser'>,
  botOpenId: string,
): Promise<DoctorLine | undefined> {
  try {
    await gateway.getUser(botOpenId);
  } catch (err) {
    if (!(err instanceof LarkApiError)) return undefined;
    if (err.isScopeRefused)
      return {
        status: 'warn',
        label: LABEL,
        detail:
          `飞书不给机器人读取成员姓名（错误码 ${err.larkCode}）：在开发者后台「权限管理」开通 ${CONTACT_SCOPES}` +
          `并发布新版本。在此之前${UNNAMED_MEANWHILE}`,
      };
  }
  return { status: 'ok', label: LABEL, detail: '可以从飞书通讯录读取（权限已开通）' };
}
