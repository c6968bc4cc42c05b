import { opsAlertCard } from '../cards/ops-alert-card.js';
import type { Db } from '../db/client.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { alertNotDelivered, transitionAlert, type AlertNotice } from '../db/repos/ops-alerts.js';
import { topAdmins } from '../db/repos/people.js';
import { sendKey } from '../domain/send-key.js';
import { resourceProblem, type ResourceReason } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';

export type AlertKind =
  | 'dead_rows'
  | 'ws_silent'
  | 'pushes_refused'
  | 'disk_low'
  | 'work_waiting'
  | 'lark_refused'
  | 'four_properties'
  | 'holidays';

export const ALERT_TITLES: Record<AlertKind, string> = {
  dead_rows: '有事件或任务处理失败',
  ws_silent: '长连接很久没有收到飞书的消息',
  pushes_refused: '飞书推送的事件被拒绝',
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

/** Gauges on /metrics that the doctor reads: the last round was cut short; notices not yet recorded. */
export const OPS_ALERT_ROUND_CUT_SHORT = 'ops_alert_round_cut_short';
export const OPS_ALERTS_UNRECORDED = 'ops_alerts_unrecorded';

/**
 * What one process remembers between alert rounds: notices it could neither deliver nor record as
 * undelivered (the database refused that statement, e.g. 53300 too many connections), recorded at the
 * next round so they are sent again; and what cut the last round short, if anything (on /metrics,
 * which the doctor reads).
 */
export class OpsAlertMemory {
  readonly unrecorded = new Map<AlertKind, { notice: NonNullable<AlertNotice>; at: Date }>();
  cutShort: ResourceReason | undefined;
}

/**
 * Records a kind's state (in the database, shared by all instances) and sends the card it calls
 * for: an alert when it starts firing (at most one per interval), one 恢复正常 when it clears. A
 * failed delivery is forgotten, so the next check sends it again; its uuid names the notice (kind,
 * alert or 恢复正常, the spell's start, and the recipient), so a recipient who got it the first time (one of several
 * admins) does not get it twice. When even forgetting it is refused by the database, `memory` keeps it
 * for the next round (without one, the refusal is thrown).
 */
export async function reportAlert(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  kind: AlertKind,
  state: AlertState,
  memory?: OpsAlertMemory,
): Promise<'alert' | 'recovered' | undefined> {
  // An earlier report of this kind that could not be recorded as undelivered: recorded first, so the
  // transition below sends it (a refusal here is thrown again: the caller tries later).
  const unrecorded = memory?.unrecorded.get(kind);
  if (unrecorded) {
    await alertNotDelivered(deps.db, { kind, notice: unrecorded.notice, now: unrecorded.at });
    memory!.unrecorded.delete(kind);
  }
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
  const key = `ops-${kind}-${notice.send === 'alert' ? 'a' : 'r'}-${notice.since.getTime()}`;
  try {
    const to = opts.opsChatId
      ? [{ receiveIdType: 'chat_id' as const, receiveId: opts.opsChatId }]
      : (await topAdmins(deps.db))
          .slice(0, 20)
          .map((id) => ({ receiveIdType: 'open_id' as const, receiveId: id }));
    if (to.length === 0)
      deps.logger.warn({ kind }, 'ops alert with nobody to tell: set OPS_CHAT_ID or import an admin');
    for (const target of to) {
      // Keyed by the recipient, not their place in the list: an admin imported meanwhile must not take
      // another's uuid (Lark dedupes by uuid alone, so they would get the other's copy, i.e. nothing).
      const { messageId } = await deps.gateway.sendMessage({
        ...target,
        message,
        uuid: sendKey(key, target.receiveIdType, target.receiveId),
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
    await alertNotDelivered(deps.db, { kind, notice, now }).catch((e: unknown) => {
      if (!memory) throw e;
      // Recorded as told but not delivered: without this, the alert would never be sent.
      memory.unrecorded.set(kind, { notice, at: now });
      throw e;
    });
    return undefined;
  }
}

/**
 * One periodic round: every check (a failing check is logged and skipped), then its card if any (what
 * an earlier round could not record of that kind is recorded first: `reportAlert`). A kind whose state
 * the database refuses to record (53300, unreachable) is left for the next round; the others still
 * run. What cut the round short is kept in `memory`.
 */
export async function checkOpsAlerts(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  checks: Partial<Record<AlertKind, () => Promise<AlertState>>>,
  memory = new OpsAlertMemory(),
): Promise<Partial<Record<AlertKind, 'alert' | 'recovered'>>> {
  const sent: Partial<Record<AlertKind, 'alert' | 'recovered'>> = {};
  let cutShort: ResourceReason | undefined;
  const refused = (err: unknown, kind?: AlertKind): void => {
    const problem = resourceProblem(err);
    if (!problem) return deps.logger.error({ kind, err }, 'ops alert could not be reported');
    cutShort ??= problem.reason;
    deps.logger.warn(
      { kind, reason: problem.reason },
      'ops alert state not recorded; next round tries again',
    );
  };
  for (const [kind, check] of Object.entries(checks) as [AlertKind, () => Promise<AlertState>][]) {
    let state: AlertState;
    try {
      state = await check();
    } catch (err) {
      deps.logger.error({ kind, err }, 'ops alert check failed');
      continue;
    }
    try {
      const r = await reportAlert(deps, opts, kind, state, memory);
      if (r) sent[kind] = r;
    } catch (err) {
      refused(err, kind);
    }
  }
  memory.cutShort = cutShort;
  return sent;
}
