import type { BenchRequest } from './lark-bodies.js';
import { FAILED, OK, repost, SENT, type RequestFeed } from './load.js';
import type { ServerProcess } from './server-process.js';

export interface ExactlyOnce {
  /** 2xx answers during the runs. */
  ok2xx: number;
  /** Sent but unanswered (in flight when autocannon stopped) or answered non-2xx: posted again afterwards. */
  retried: number;
  retriedOk: number;
  /** Distinct events acknowledged in the end. */
  acked: number;
  rows: number;
  /** Acknowledged events without a row. */
  missing: number;
  /** Rows without an acknowledged event, and duplicate rows. */
  extra: number;
  redeliveries: number;
  redeliveriesOk: number;
  rowsAfterRedeliveries: number;
  pass: boolean;
}

/**
 * Every acknowledged event stored exactly once: first post again what got no 2xx (what Lark does; autocannon
 * drops the requests in flight when it stops), compare the stored event ids with the acknowledged ones, then
 * re-deliver `redeliveries` acknowledged events: each must be answered 200 and none stored again.
 */
export async function checkExactlyOnce(
  server: ServerProcess,
  url: string,
  feeds: RequestFeed[],
  ok2xx: number,
  redeliveries = 100,
): Promise<ExactlyOnce> {
  let retried = 0;
  let retriedOk = 0;
  for (const feed of feeds) {
    const idx = feed.indexesIn(SENT, FAILED);
    const statuses = await repost(
      url,
      idx.map((i) => feed.pool[i]!),
    );
    idx.forEach((i, k) => {
      if (statuses[k]! >= 200 && statuses[k]! < 300) {
        feed.state[i] = OK;
        retriedOk++;
      }
    });
    retried += idx.length;
  }
  const ackedIds = new Set<string>();
  const acked: BenchRequest[] = [];
  for (const feed of feeds) {
    for (const i of feed.indexesIn(OK)) {
      ackedIds.add(feed.pool[i]!.eventId);
      acked.push(feed.pool[i]!);
    }
  }
  const stored = await server.rows();
  const rowIds = new Set(stored.eventIds);
  let missing = 0;
  for (const id of ackedIds) if (!rowIds.has(id)) missing++;
  let extra = stored.rows - rowIds.size;
  for (const id of rowIds) if (!ackedIds.has(id)) extra++;

  const step = Math.max(1, Math.floor(acked.length / redeliveries));
  const sample = acked.filter((_, k) => k % step === 0).slice(0, redeliveries);
  const statuses = await repost(url, sample);
  const redeliveriesOk = statuses.filter((s) => s === 200).length;
  const after = await server.rows();
  return {
    ok2xx,
    retried,
    retriedOk,
    acked: ackedIds.size,
    rows: stored.rows,
    missing,
    extra,
    redeliveries: sample.length,
    redeliveriesOk,
    rowsAfterRedeliveries: after.rows,
    pass:
      ackedIds.size > 0 &&
      missing === 0 &&
      extra === 0 &&
      retriedOk === retried &&
      redeliveriesOk === sample.length &&
      after.rows === stored.rows,
  };
}
