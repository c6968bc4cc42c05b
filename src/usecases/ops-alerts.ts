import { opsAlertCard } from '../cards/ops-alert-card.js';
import type { Db } from '../db/client.js';
import { recordBotMessage } from '../db/repos/bot-messages.js';
import { alertDelivered, pendingAlerts, transitionAlert, type AlertNotice } from '../db/repos/ops-alerts.js';
import type { AlertSend } from '../db/schema/column-types.js';
import { topAdmins } from '../db/repos/people.js';
import { sendKey } from '../domain/send-key.js';
import { resourceProblem, type ResourceReason } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';

export type { AlertKind } from '../domain/alert-titles.js';
import { ALERT_TITLES, type AlertKind } from '../domain/alert-titles.js';

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

/** Gauges on /metrics that the doctor reads: the last round was cut short; notices owed and not yet delivered. */
export const OPS_ALERT_ROUND_CUT_SHORT = 'ops_alert_round_cut_short';
export const OPS_ALERTS_UNDELIVERED = 'ops_alerts_undelivered';
/**
 * Gauge the doctor reads while the bot holds the embedded database: how many admins the alerts go to
 * by direct message when OPS_CHAT_ID is unset (0: every alert reaches nobody).
 */
export const OPS_ALERT_ADMINS = 'ops_alert_admins';

/**
 * What one process tells /metrics (which the doctor reads) about its last alert round: what cut it
 * short, if anything, and how many notices it owed and could not deliver. What is owed itself is in
 * the database (`ops_alerts.pending_send`), never only here.
 */
export class OpsAlertMemory {
  cutShort: ResourceReason | undefined;
  undelivered = 0;
  /**
   * When this process told 「后台工作在等待」 for a database it could not record the alert in (its spell's
   * start): the database being what is down, that alert lives here until the database is back.
   */
  unrecordedSince: Date | undefined;
  /** What that alert said: a spell still firing for the same reasons once the database is back is not told again. */
  unrecordedDetail = '';
  /**
   * The top admins the alerts go to (OPS_CHAT_ID unset): whom to tell while the database is down. Read at
   * start (`loadAlertAdmins`) and again after every round the database answered, not only when an alert
   * was delivered (a process that had sent none told nobody of the database going down).
   */
  admins: string[] = [];
}

/**
 * Records a kind's state (in the database, shared by all instances) and sends the card it calls
 * for: an alert when it starts firing (at most one per interval), one 恢复正常 when it clears. The
 * notice is recorded as owed when it is decided and cleared once Lark took it, so a failed delivery, a
 * process that died before it sent, or a database that refused to clear it, leaves it for the next
 * round of any instance (`transitionAlert` returns it again). Its uuid names the notice (kind, alert or
 * 恢复正常, the spell's start, and the recipient), so a recipient who got it the first time (one of
 * several admins) does not get it twice. `undelivered`: Lark did not take it (the next round tries again).
 */
export async function reportAlert(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  kind: AlertKind,
  state: AlertState,
  memory?: OpsAlertMemory,
): Promise<AlertSend | 'undelivered' | undefined> {
  const notice = await transitionAlert(deps.db, {
    kind,
    firing: state.firing,
    detail: state.detail,
    now: deps.clock.now(),
    minIntervalMs: opts.minIntervalMs,
  });
  if (!notice) return undefined;
  // Told while the database was down, and still waiting now it is back: the spell is recorded as
  // told, not told twice (its 恢复正常 comes from the database, as any alert's).
  if (kind === 'work_waiting' && memory?.unrecordedSince && notice.send === 'alert') {
    memory.unrecordedSince = undefined;
    // Waiting for something else now (the disk, the store): that is news, and sent.
    if (state.detail === memory.unrecordedDetail) {
      await alertDelivered(deps.db, { kind, notice, now: deps.clock.now() });
      return undefined;
    }
  }
  return (await deliverAlert(deps, opts, kind, notice, memory)) ? notice.send : 'undelivered';
}

/**
 * 「后台工作在等待」 for a database the alert cannot be recorded in (unreachable, or no connection to
 * spare): sent from this process's memory — to OPS_CHAT_ID, else the admins it last sent to — and its
 * 恢复正常 once the database records a round without it. Before, the one alert that needs no database
 * to be sent was never sent: its state could not be written first.
 */
async function tellUnrecorded(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  memory: OpsAlertMemory,
  send: AlertSend,
  detail: string,
): Promise<boolean> {
  const since = memory.unrecordedSince ?? deps.clock.now();
  const card = opsAlertCard({
    title: ALERT_TITLES.work_waiting,
    detail,
    recovered: send === 'recovered',
    at: deps.clock.now(),
    timeZone: opts.timeZone,
  });
  const to = alertTargets(opts.opsChatId, memory.admins);
  if (to.length === 0) {
    deps.logger.warn('the database is down and no one to tell: set OPS_CHAT_ID');
    return false;
  }
  const key = `ops-db-${send === 'alert' ? 'a' : 'r'}-${since.getTime()}`;
  try {
    for (const target of to)
      await deps.gateway.sendMessage({
        ...target,
        message: { msgType: 'interactive', content: JSON.stringify(card) },
        uuid: sendKey(key, target.receiveIdType, target.receiveId),
      });
  } catch (err) {
    deps.logger.error(
      { title: ALERT_TITLES.work_waiting, advice: detail, err },
      'ops alert (database down) not delivered; will retry',
    );
    return false;
  }
  deps.logger.warn({ send }, 'ops alert sent (database down, not recorded)');
  return true;
}

/** Where a notice goes: the operations chat, else (at most 20 of) the top units' admins. */
const alertTargets = (opsChatId: string | undefined, admins: readonly string[]) =>
  opsChatId
    ? [{ receiveIdType: 'chat_id' as const, receiveId: opsChatId }]
    : admins.slice(0, 20).map((id) => ({ receiveIdType: 'open_id' as const, receiveId: id }));

/** Sends a notice to the operations chat or the top admins; false when Lark did not take it (it stays owed). */
async function deliverAlert(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  kind: AlertKind,
  notice: NonNullable<AlertNotice>,
  memory?: OpsAlertMemory,
): Promise<boolean> {
  const card = opsAlertCard({
    title: ALERT_TITLES[kind],
    detail: notice.detail,
    recovered: notice.send === 'recovered',
    at: notice.at,
    timeZone: opts.timeZone,
  });
  const message = { msgType: 'interactive' as const, content: JSON.stringify(card) };
  const key = `ops-${kind}-${notice.send === 'alert' ? 'a' : 'r'}-${notice.since.getTime()}`;
  try {
    const admins = opts.opsChatId ? [] : await topAdmins(deps.db);
    // Kept for a round the database cannot answer (tellUnrecorded).
    if (memory && !opts.opsChatId) memory.admins = admins;
    const to = alertTargets(opts.opsChatId, admins);
    if (to.length === 0) {
      deps.logger.warn({ kind }, 'ops alert with nobody to tell: set OPS_CHAT_ID or import an admin');
      return false;
    }
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
  } catch (err) {
    // What the alert would have said (our own text, no secret): with Lark refusing the app's
    // credentials this line is the only place the advice reaches the IT person.
    deps.logger.error(
      { kind, title: ALERT_TITLES[kind], advice: notice.detail, err },
      'ops alert not delivered; will retry',
    );
    return false;
  }
  deps.logger.warn({ kind, send: notice.send }, 'ops alert sent');
  // Not cleared (the database refused): the next round sends it again under the same uuid, which
  // Lark answers with this message for about an hour.
  await alertDelivered(deps.db, { kind, notice, now: deps.clock.now() }).catch((err: unknown) =>
    deps.logger.warn({ kind, err }, 'ops alert sent but still recorded as owed'),
  );
  return true;
}

/**
 * One periodic round: every check (a failing check is logged and skipped), then its card if any; then
 * the notices still owed of kinds no check decided this round (the 四性 alert, raised by a weekly job;
 * a kind whose check failed). A kind whose state the database refuses to record (53300, unreachable)
 * is left for the next round; the others still run. What cut the round short, and how many notices
 * were left undelivered, are kept in `memory`.
 */
export async function checkOpsAlerts(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  checks: Partial<Record<AlertKind, () => Promise<AlertState>>>,
  memory = new OpsAlertMemory(),
): Promise<Partial<Record<AlertKind, AlertSend>>> {
  const sent: Partial<Record<AlertKind, AlertSend>> = {};
  const decided = new Set<string>();
  let cutShort: ResourceReason | undefined;
  let undelivered = 0;
  const refused = (err: unknown, kind?: AlertKind): void => {
    const problem = resourceProblem(err);
    if (!problem) return deps.logger.error({ kind, err }, 'ops alert could not be reported');
    cutShort ??= problem.reason;
    deps.logger.warn(
      { kind, reason: problem.reason },
      'ops alert state not recorded; next round tries again',
    );
  };
  let waiting: AlertState | undefined;
  for (const [kind, check] of Object.entries(checks) as [AlertKind, () => Promise<AlertState>][]) {
    let state: AlertState;
    try {
      state = await check();
    } catch (err) {
      deps.logger.error({ kind, err }, 'ops alert check failed');
      continue;
    }
    if (kind === 'work_waiting') waiting = state;
    // The database is unreachable: recording the next kinds would each wait out its connect timeout to
    // fail (one kind refused for want of a connection, 53300, says nothing of the next).
    if (cutShort === 'database_unreachable') continue;
    try {
      const r = await reportAlert(deps, opts, kind, state, memory);
      decided.add(kind);
      if (r === 'undelivered') undelivered++;
      else if (r) sent[kind] = r;
    } catch (err) {
      refused(err, kind);
    }
  }
  // Unreachable only: a database refusing for want of connections (53300) is up, and each instance
  // telling it from its own memory would send one alert each, none de-duplicated.
  if (waiting?.firing && cutShort === 'database_unreachable' && !decided.has('work_waiting')) {
    // The database is what is down: told from memory, once a spell.
    if (!memory.unrecordedSince && (await tellUnrecorded(deps, opts, memory, 'alert', waiting.detail))) {
      memory.unrecordedSince = deps.clock.now();
      memory.unrecordedDetail = waiting.detail;
      sent.work_waiting = 'alert';
    }
  } else if (memory.unrecordedSince && decided.has('work_waiting') && !waiting?.firing) {
    // Recorded a round without it (nothing of the spell is in the database to say 恢复正常).
    if (await tellUnrecorded(deps, opts, memory, 'recovered', waiting?.detail ?? '后台工作已恢复。')) {
      memory.unrecordedSince = undefined;
      sent.work_waiting = 'recovered';
    }
  }
  try {
    for (const { kind, notice } of await pendingAlerts(deps.db)) {
      if (decided.has(kind) || !(kind in ALERT_TITLES)) continue;
      if (await deliverAlert(deps, opts, kind as AlertKind, notice)) sent[kind as AlertKind] = notice.send;
      else undelivered++;
    }
  } catch (err) {
    refused(err);
  }
  // The database answered this round: whom to tell should it go down before the next.
  if (!cutShort) await loadAlertAdmins(deps, opts, memory);
  memory.cutShort = cutShort;
  memory.undelivered = undelivered;
  return sent;
}

/**
 * Reads the top admins into `memory` (OPS_CHAT_ID unset): at start, and after each round the database
 * answered. A failure keeps the list read before (the database going down is when it is needed).
 */
export async function loadAlertAdmins(
  deps: OpsAlertDeps,
  opts: OpsAlertOptions,
  memory: OpsAlertMemory,
): Promise<void> {
  if (opts.opsChatId) return;
  try {
    memory.admins = await topAdmins(deps.db);
  } catch (err) {
    deps.logger.warn({ err }, 'ops alert admins not read; the last list is kept');
  }
}
