import autocannon from 'autocannon';
import type { BenchRequest } from './lark-bodies.js';

/** Request states, per pool index. */
export const UNSENT = 0;
export const SENT = 1;
export const OK = 2;
export const FAILED = 3;

/**
 * Hands pre-generated requests to autocannon one by one and remembers what happened to each
 * (so unanswered ones can be retried and stored rows compared with 2xx answers).
 */
export class RequestFeed {
  state: Uint8Array;
  private cursor = 0;
  /** Requests that had to reuse an already-sent body because the pool ran out. */
  reused = 0;

  constructor(readonly pool: BenchRequest[]) {
    this.state = new Uint8Array(pool.length);
  }

  /** Bodies not handed out yet. */
  get unused(): number {
    return Math.max(0, this.pool.length - this.cursor);
  }

  /** Adds fresh requests (between runs, never during one). */
  extend(more: BenchRequest[]): void {
    for (const r of more) this.pool.push(r);
    const state = new Uint8Array(this.pool.length);
    state.set(this.state);
    this.state = state;
  }

  take(): number {
    const i = this.cursor++;
    if (i < this.pool.length) return i;
    this.reused++;
    return i % this.pool.length;
  }

  indexesIn(...states: number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.state.length; i++) if (states.includes(this.state[i]!)) out.push(i);
    return out;
  }
}

export interface LoadOptions {
  url: string;
  feed: RequestFeed;
  connections: number;
  seconds: number;
  /** Fixed rate (autocannon `overallRate`, requests/s over all connections); unset = as fast as possible. */
  overallRate?: number;
}

/** One autocannon run. */
export interface LoadSlice {
  /** Response times in ms (autocannon's per-response `responseTime`, sub-millisecond). */
  latencies: Float64Array;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
}

/** Several slices of one variant taken together. */
export interface LoadResult {
  /** Responses per second over the slices' total duration. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  completed: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  seconds: number;
}

/** Percentile of a sorted array (nearest rank). */
const pct = (sorted: Float64Array, p: number): number =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;

/**
 * One autocannon run. Latencies are taken from autocannon's per-response `responseTime` (sub-ms, float)
 * rather than its integer-ms histogram; coordinated-omission correction is off (autocannon 9 computes its
 * expected interval as ceil(1/rate) = 1 ms, which would add synthetic samples).
 */
export async function runLoad(o: LoadOptions): Promise<LoadSlice> {
  const { feed } = o;
  let latencies = new Float64Array(1 << 16);
  let n = 0;
  let clientIndex = 0;
  /**
   * autocannon starts every connection's one-second rate window at the same instant, so a whole second's
   * quota leaves as one burst over all connections (at 200/s and 50 connections: 50 requests at once, 4 deep).
   * Spread the windows evenly over the second instead, so the fixed-rate run measures latency at a steady
   * 200/s rather than the time to drain a burst. Relies on autocannon 9 internals (lib/httpClient.js).
   */
  const pace = (client: any) => {
    const slot = clientIndex++;
    client.reqsMadeThisSecond = Number.POSITIVE_INFINITY; // the first request waits for this connection's slot
    setImmediate(() => {
      clearInterval(client.rateInterval);
      const tick = () => {
        client.reqsMadeThisSecond = 0;
        if (client.paused) client._doRequest();
        client.paused = false;
      };
      setTimeout(
        () => {
          if (client.destroyed) return;
          client.rateInterval = setInterval(tick, 1000);
          tick();
        },
        (slot * 1000) / Math.min(o.connections, o.overallRate ?? o.connections),
      );
    });
  };
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.seconds,
        ...(o.overallRate
          ? { overallRate: o.overallRate, ignoreCoordinatedOmission: true, setupClient: pace }
          : {}),
        timeout: 10,
        requests: [
          {
            setupRequest: (req, context: any) => {
              const i = feed.take();
              context.i = i;
              if (feed.state[i] === UNSENT) feed.state[i] = SENT;
              const r = feed.pool[i]!;
              return Object.assign(req, {
                method: 'POST',
                path: '/lark/events',
                headers: r.headers,
                body: r.body,
              });
            },
            onResponse: (status, _body, context: any) => {
              const ok = status >= 200 && status < 300;
              // A later 2xx for the same event (a retry) wins over an earlier failure.
              if (ok) feed.state[context.i] = OK;
              else if (feed.state[context.i] !== OK) feed.state[context.i] = FAILED;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    if (n === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[n++] = responseTime;
  });
  const result = await done;
  return {
    latencies: latencies.slice(0, n),
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}

export function aggregate(slices: LoadSlice[]): LoadResult {
  const n = slices.reduce((sum, s) => sum + s.latencies.length, 0);
  const all = new Float64Array(n);
  let at = 0;
  for (const s of slices) {
    all.set(s.latencies, at);
    at += s.latencies.length;
  }
  all.sort();
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  const sum = (f: (s: LoadSlice) => number) => slices.reduce((acc, s) => acc + f(s), 0);
  return {
    rps: n / seconds,
    p50: pct(all, 0.5),
    p99: pct(all, 0.99),
    max: pct(all, 1),
    completed: n,
    ok2xx: sum((s) => s.ok2xx),
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    seconds,
  };
}

/** Posts requests again (what Lark does when an answer is lost or not 2xx); returns the status of each. */
export async function repost(url: string, requests: BenchRequest[], concurrency = 8): Promise<number[]> {
  const statuses = new Array<number>(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      const r = requests[i]!;
      try {
        const res = await fetch(url, { method: 'POST', headers: r.headers, body: r.body });
        await res.arrayBuffer();
        statuses[i] = res.status;
      } catch {
        statuses[i] = 0;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return statuses;
}
