import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { opsAlerts } from '../schema/index.js';

/** What the operations chat should be told now: nothing, an alert, or 恢复正常. */
export type AlertNotice =
  | {
      send: 'alert' | 'recovered';
      previousSentAt: Date | null;
      /** When the spell the notice is about began: with the kind, the notice's identity (its send's uuid). */
      since: Date;
    }
  | undefined;

/**
 * Records whether `kind` fires now and decides, under the row's lock (so several instances agree),
 * whether to tell anyone: an alert when it starts firing, but at most one per `minIntervalMs` (a
 * flapping check waits, and is told once the interval has passed while it still fires); one
 * 恢复正常 when an alert that was told clears.
 */
export async function transitionAlert(
  db: Db,
  input: { kind: string; firing: boolean; detail: string; now: Date; minIntervalMs: number },
): Promise<AlertNotice> {
  const { kind, firing, detail, now } = input;
  return db.transaction(async (tx) => {
    await tx.insert(opsAlerts).values({ kind, updatedAt: now }).onConflictDoNothing();
    const [row] = await tx.select().from(opsAlerts).where(eq(opsAlerts.kind, kind)).for('update');
    if (!row) return undefined;
    const set = (v: Partial<typeof opsAlerts.$inferInsert>) =>
      tx
        .update(opsAlerts)
        .set({ ...v, updatedAt: now })
        .where(eq(opsAlerts.kind, kind));
    if (firing) {
      const since = row.firing ? row.since : now;
      const due = !row.lastSentAt || now.getTime() - row.lastSentAt.getTime() >= input.minIntervalMs;
      if (!row.notified && due) {
        await set({ firing: true, notified: true, since, detail, lastSentAt: now });
        return { send: 'alert', previousSentAt: row.lastSentAt, since: since ?? now };
      }
      await set({ firing: true, since, detail });
      return undefined;
    }
    if (!row.firing) return undefined;
    await set({ firing: false, notified: false, since: null, detail });
    return row.notified
      ? { send: 'recovered', previousSentAt: row.lastSentAt, since: row.since ?? row.lastSentAt ?? now }
      : undefined;
  });
}

/** The alert could not be delivered: forget it was told, so the next check tries again. */
export async function alertNotDelivered(
  db: Db,
  input: { kind: string; notice: NonNullable<AlertNotice>; now: Date },
): Promise<void> {
  await db
    .update(opsAlerts)
    .set(
      input.notice.send === 'alert'
        ? { notified: false, lastSentAt: input.notice.previousSentAt, updatedAt: input.now }
        : { firing: true, notified: true, since: input.notice.since, updatedAt: input.now },
    )
    .where(eq(opsAlerts.kind, input.kind));
}

export async function listAlerts(db: Db) {
  return db
    .select()
    .from(opsAlerts)
    .orderBy(sql`${opsAlerts.kind}`);
}
