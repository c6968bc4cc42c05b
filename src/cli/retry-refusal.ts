import type { SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { AppError } from '../errors.js';

/** What `events retry ID` and `jobs retry --id N` say when the one id given queued nothing. */
export interface RetryRefusal {
  /** The code's first word: `event` → event_not_found, event_not_retried. */
  code: string;
  /** The thing in Chinese: 事件, 任务. */
  noun: string;
  /** Selects the `status` of the row with that id (no row: there is none). */
  statusOf: SQL;
  /** Where ids are listed: 「npm run cli -- jobs dead 」. */
  listedBy: string;
  /** What a row in each state that is not queued again is doing (the refusal names it). */
  notRetried: Record<string, string>;
  /** Which rows are queued again: 「处理失败（dead）的任务」. */
  retried: string;
}

/**
 * Why retrying one id queued nothing, as a failure (exit 1): no row with that id, or one that is not
 * waiting to be queued again. Both said 「0 … 已重新排队」 with exit 0, as if done.
 */
export async function refuseRetryOf(db: Db, id: number, r: RetryRefusal): Promise<never> {
  const [row] = await queryRows<{ status: string }>(db, r.statusOf);
  if (!row)
    throw new AppError(
      `${r.code}_not_found`,
      `没有编号为 ${id} 的${r.noun}：编号是 ${r.listedBy}每行的第一列`,
    );
  throw new AppError(
    `${r.code}_not_retried`,
    `${r.noun} ${id} ${r.notRetried[row.status] ?? `的状态是 ${row.status}`}，没有重新排队：只有${r.retried}能重新排队`,
  );
}
