import { COLLECT_FAILED } from '../metrics.js';
import type { DoctorLine } from './doctor.js';

type Add = (status: DoctorLine['status'], label: string, detail: string) => void;

export type QueueCounts = { pending: number; processing: number; dead: number };

/**
 * A queue whose figures the running bot's /metrics did not give: `failed`, the bot could not read them
 * from its database at that scrape (metrics_collect_failed{series} 1); `absent`, the series is not
 * there at all. Either way the counts are unknown, not 0.
 */
export type UnreadQueue = { unread: 'failed' | 'absent'; series: string };

export type QueueFigures = { events: QueueCounts | UnreadQueue; jobs: QueueCounts | UnreadQueue };

const STATUSES = ['pending', 'processing', 'dead'] as const;

const fmtAge = (seconds: number) =>
  seconds < 120
    ? `${Math.round(seconds)} 秒前`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} 分钟前`
      : seconds < 172800
        ? `${Math.round(seconds / 3600)} 小时前`
        : `${Math.round(seconds / 86400)} 天前`;

/**
 * The queue figures of the running bot's /metrics. A series the bot could not read was left out of the
 * answer (and flagged): read as 0, the doctor said 待处理 0 … and ✓ while the database was away.
 */
export function queuesFromMetrics(m: Map<string, number>): QueueFigures {
  const of = (table: string): QueueCounts | UnreadQueue => {
    const series = `queue_${table}_rows`;
    if (m.get(`${COLLECT_FAILED}{series="${series}"}`) === 1) return { unread: 'failed', series };
    const [pending, processing, dead] = STATUSES.map((s) => m.get(`${series}{status="${s}"}`));
    if (pending === undefined || processing === undefined || dead === undefined)
      return { unread: 'absent', series };
    return { pending, processing, dead };
  };
  return { events: of('inbound_events'), jobs: of('jobs') };
}

/** Why a queue's figures are unknown, and what to do, in the IT person's words. */
function unreadText(q: UnreadQueue): string {
  const unknown = '待处理和失败（死信）的行数不明（不是 0）';
  return q.unread === 'failed'
    ? `读不到：机器人从数据库读这些数字失败（/metrics：${COLLECT_FAILED}{series="${q.series}"} 为 1），${unknown}。` +
        '原因见日志（journalctl -u archive-bot 里的 metrics: figures could not be read）和上面的「机器人」一行；数据库恢复后再运行 doctor'
    : `读不到：机器人的 /metrics 里没有 ${q.series}，${unknown}。` +
        '在 HOST:PORT 应答的也许不是这个版本的归档助手：核对 PORT，或重启机器人（systemctl restart archive-bot）后再运行 doctor';
}

/** The event and job queue lines (dead rows name the command that lists them) and the last event's age. */
export function reportQueues(add: Add, q: QueueFigures, secondsSinceLastEvent: number | undefined): void {
  for (const [label, c, list] of [
    ['事件队列', q.events, 'events dead'],
    ['任务队列', q.jobs, 'jobs dead'],
  ] as const) {
    if ('unread' in c) {
      add('fail', label, unreadText(c));
      continue;
    }
    add(
      c.dead > 0 ? 'fail' : 'ok',
      label,
      `待处理 ${c.pending}，处理中 ${c.processing}，失败（死信）${c.dead}${c.dead > 0 ? `：npm run cli -- ${list} 查看` : ''}`,
    );
  }
  add(
    'ok',
    '最近事件',
    secondsSinceLastEvent === undefined ? '还没有收到过事件' : `${fmtAge(secondsSinceLastEvent)}收到`,
  );
}
