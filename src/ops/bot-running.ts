import type { Db } from '../db/client.js';
import { freshHolders } from '../db/repos/queue.js';
import { isGone, parseIdentity } from '../process-identity.js';

/** Where a bot configured with HOST and PORT answers on this machine (undefined: PORT=0, no listener). */
export function botBaseUrl(c: { host: string; port: number }): string | undefined {
  if (c.port === 0) return undefined;
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${c.port}`;
}

/**
 * On PostgreSQL, what shows that a bot is running, or undefined: a queue row held by a worker whose
 * lease is fresh (WORKER_LEASE_SECONDS; a worker on this host whose process is gone does not count),
 * or the bot's /readyz answering on HOST:PORT (as `doctor` asks it; an idle bot holds no rows). On
 * PGlite the data-folder lock says it (lockDataDir): the caller takes it instead.
 */
export async function runningBotOnPostgres(
  db: Db,
  c: { host: string; port: number; worker: { leaseSeconds: number } },
  now = new Date(),
): Promise<string | undefined> {
  const since = new Date(now.getTime() - c.worker.leaseSeconds * 1000);
  const workers = (await freshHolders(db, since)).filter((holder) => {
    const id = parseIdentity(holder);
    return !(id && isGone(id));
  });
  if (workers.length > 0) {
    const hosts = [...new Set(workers.map((w) => w.split(':')[0]))].join('、');
    return `${hosts} 上有工作进程正在处理队列`;
  }
  const base = botBaseUrl(c);
  if (!base) return undefined;
  try {
    const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { checks?: unknown };
    if (body && typeof body === 'object' && 'checks' in body) return `${c.host}:${c.port} 上的机器人有应答`;
  } catch {
    // Nothing answers there, or not a bot.
  }
  return undefined;
}
