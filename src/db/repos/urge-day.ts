import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** A chat's 督办 of a day (scheduled_sends kind `urge`), under `urgePeriod`'s key. */
export interface UrgeOfDay {
  target: string;
  period: string;
  /** It counts for the day: sent, queued, or closed after a post that may have arrived. */
  live: boolean;
  status: string;
}

/** The 督办 of the chats on `day` (the village's and each task's), however they ended. */
export async function urgesOfDay(db: Db, chatIds: string[], day: string): Promise<UrgeOfDay[]> {
  if (chatIds.length === 0) return [];
  const rows = await queryRows<{ target: string; period: string; live: boolean; status: string }>(
    db,
    sql`select s.target, s.period, s.status,
          (s.status in ('pending', 'sent') or s.unsure_since is not null) as live
        from scheduled_sends s
        where s.kind = 'urge' and s.target in (select jsonb_array_elements_text(${JSON.stringify(chatIds)}::jsonb))
          and (s.period = ${day} or s.period like ${`${day}:%`})`,
  );
  return rows.map((r) => ({ target: r.target, period: r.period, live: r.live === true, status: r.status }));
}
