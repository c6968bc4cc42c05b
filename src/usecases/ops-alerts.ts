import { opsAlertCard } from '../cards/ops-alert-card.js';
import type { Db } from '../db/client.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { alertNotDelivered, transitionAlert } from '../db/repos/ops-alerts.js';
import { topAdmins } from '../db/repos/people.js';
import type { Logger } from '../logger.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';

export type AlertKind =
  'dead_rows' | 'ws_silent' | 'disk_low' | 'work_waiting' | 'lark_refused' | 'four_properties' | 'holidays';

export const ALERT_TITLES: Record<AlertKind, string> = {
  dead_rows: '有事件或任务处理失败',
  ws_silent: '长连接很久没有收到飞书的消息',
  disk_low: '磁盘空间不足',
  work_waiting: '后台工作在等待（磁盘、存储或数据库）',
  lark_refused: '飞书拒绝了应用凭证或权限',
  four_properties: '四性检测未通过',
  holidays: '节假日表缺少明年的数据',
};

/** Whether a kind fires now, and what to tell the operator (short, plain Chinese). */
export interface AlertState {
  firing: boolean;
  detail: string;
}

export interface OpsAlertDeps {
  db: Db;
  gateway: ChatGateway;
  clock: Clock;
  logger: Logger;
}

export interface OpsAlertOptions {
  /** The operations chat; unset: the admins of the top units, by direct message. */
  opsChatId?: string;
  /** At most one alert per kind per this long. */
  minIntervalMs: number;
  timeZone: string;
}

/**
 * Records a kind's state (in the database, shared by all instances) and sends the card it calls
 * for: an alert when it starts firing (at most one per interval), one 恢复正常 when it clears. A
 * failed delivery is forgotten, so the next check sends it again (Lark's uuid prevents doubles).
 */
export async function reportAlert(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  kind: AlertKind,
  state: AlertState,
): Promise<'alert' | 'recovered' | undefined> {
  const now = deps.clock.now();
  const notice = await transitionAlert(deps.db, {
    kind,
    firing: state.firing,
    detail: state.detail,
    now,
    minIntervalMs: opts.minIntervalMs,
  });
  if (!notice) return undefined;
  const recovered = notice.send === 'recovered';
  const card = opsAlertCard({
    title: ALERT_TITLES[kind],
    detail: state.detail,
    recovered,
    at: now,
    timeZone: opts.timeZone,
  });
  const message = { msgType: 'interactive' as const, content: JSON.stringify(card) };
  const key = `ops-${kind}-${notice.send === 'alert' ? 'a' : 'r'}-${now.getTime()}`;
  try {
    const to = opts.opsChatId
      ? [{ receiveIdType: 'chat_id' as const, receiveId: opts.opsChatId }]
      : (await topAdmins(deps.db))
          .slice(0, 20)
          .map((id) => ({ receiveIdType: 'open_id' as const, receiveId: id }));
    if (to.length === 0)
      deps.logger.warn({ kind }, 'ops alert with nobody to tell: set OPS_CHAT_ID or import an admin');
    for (const [i, target] of to.entries()) {
      const { messageId } = await deps.gateway.sendMessage({
        ...target,
        message,
        uuid: `${key}-${i}`.slice(0, 50),
      });
      // Known as the bot's own: a 督办 whose answer was lost does not take it for itself
      // (find-earlier-post.ts). Not recorded (the database is what the alert is about) is no reason to send it again.
      if (target.receiveIdType === 'chat_id')
        await recordBotMessage(
          deps.db,
          { messageId, chatId: target.receiveId, purpose: 'ops_alert', taskIds: [] },
          deps.clock.now(),
        ).catch((err: unknown) => deps.logger.warn({ kind, err }, 'ops alert sent but not recorded'));
    }
    deps.logger.warn({ kind, send: notice.send }, 'ops alert sent');
    return notice.send;
  } catch (err) {
    deps.logger.error({ kind, err }, 'ops alert not delivered; will retry');
    await alertNotDelivered(deps.db, { kind, notice, now });
    return undefined;
  }
}

/** One periodic round: every check (a failing check is logged and skipped), then its card if any. */
export async function checkOpsAlerts(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  checks: Partial<Record<AlertKind, () => Promise<AlertState>>>,
): Promise<Partial<Record<AlertKind, 'alert' | 'recovered'>>> {
  const sent: Partial<Record<AlertKind, 'alert' | 'recovered'>> = {};
  for (const [kind, check] of Object.entries(checks) as [AlertKind, () => Promise<AlertState>][]) {
    let state: AlertState;
    try {
      state = await check();
    } catch (err) {
      deps.logger.error({ kind, err }, 'ops alert check failed');
      continue;
    }
    const r = await reportAlert(deps, opts, kind, state);
    if (r) sent[kind] = r;
  }
  return sent;
}
