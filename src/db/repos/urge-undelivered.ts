import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** A 督办 send closed undelivered, with who pressed it: what its presser is told (usecases/urge-undelivered.ts). */
interface UndeliveredUrge {
  unitName: string;
  /** The chat's name as Lark last gave it; null when never seen. */
  chatName: string | null;
  lastError: string;
  /** The open_id that pressed it (the latest `urge` audit row claiming its period), and when. */
  pressedBy: string;
  pressedAt: Date;
  /** The local day the 督办 counted for (its period's). */
  day: string;
  /** The escalation card it was pressed on (Lark's message id), when pressed on one. */
  cardMessageId: string | null;
}

/**
 * Send `sendId` when it is a 督办 (`urge`) closed `failed`, with the person whose press claimed it (the
 * audit row written with the claim's own time and key: not an earlier press of the same key, nor a row
 * from before keys were recorded);
 * else undefined (a reminder or digest, one delivered since, or a press with no audit row).
 */
export async function undeliveredUrge(db: Db, sendId: number): Promise<UndeliveredUrge | undefined> {
  const [r] = await queryRows<{
    unit_name: string;
    chat_name: string | null;
    last_error: string | null;
    actor: string;
    created_at: Date | string;
    period: string;
    card: string | null;
  }>(
    db,
    sql`select u.name as unit_name, c.name as chat_name, ss.last_error, a.actor, a.card, ss.created_at, ss.period
      from scheduled_sends ss join units u on u.id = ss.unit_id
        left join chats c on c.chat_id = ss.target
        join lateral (select actor, details->>'card' as card from audit_log
            where action = 'urge' and unit_id = ss.unit_id and at = ss.created_at
              and details->>'period' = ss.period
            order by id desc limit 1) a on true
      where ss.id = ${sendId} and ss.kind = 'urge' and ss.status = 'failed'`,
  );
  return r
    ? {
        unitName: r.unit_name,
        chatName: r.chat_name,
        lastError: r.last_error ?? '',
        pressedBy: r.actor,
        pressedAt: new Date(r.created_at),
        day: r.period.slice(0, 10),
        cardMessageId: r.card,
      }
    : undefined;
}
