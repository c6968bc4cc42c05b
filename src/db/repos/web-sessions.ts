import { createHash } from 'node:crypto';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import { webSessions } from '../schema/index.js';

/**
 * A session id as it is kept: its SHA-256, never the id the cookie carries. A backup holds the database
 * and the session key (so the signed-in stay signed in after a restore): with the ids themselves, whoever
 * holds a copy of it could sign a cookie for any live session (migration 0037 hashed the older rows).
 */
const keptId = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

/** Records a sign-in (and deletes sessions that have expired, which no cookie can use any more). */
export async function startWebSession(
  db: Db,
  s: { id: string; openId: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await db.delete(webSessions).where(lt(webSessions.expiresAt, s.createdAt));
  await db.insert(webSessions).values({ ...s, id: keptId(s.id) });
}

/** Is the session still good: recorded for this person, not ended, not expired? */
export async function webSessionLive(db: Db, id: string, openId: string, now: Date): Promise<boolean> {
  const rows = await db
    .select({ id: webSessions.id })
    .from(webSessions)
    .where(
      and(
        eq(webSessions.id, keptId(id)),
        eq(webSessions.openId, openId),
        isNull(webSessions.endedAt),
        gt(webSessions.expiresAt, now),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** 退出: ends one session. */
export async function endWebSession(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(webSessions)
    .set({ endedAt: now })
    .where(and(eq(webSessions.id, keptId(id)), isNull(webSessions.endedAt)));
}

/** Ends every live session of a person; returns how many were live. */
export async function endPersonWebSessions(db: Db, openId: string, now: Date): Promise<number> {
  const rows = await db
    .update(webSessions)
    .set({ endedAt: now })
    .where(and(eq(webSessions.openId, openId), isNull(webSessions.endedAt), gt(webSessions.expiresAt, now)))
    .returning({ id: webSessions.id });
  return rows.length;
}
