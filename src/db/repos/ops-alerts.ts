import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { opsAlerts } from '../schema/index.js';
import type { AlertSend } from '../schema/column-types.js';

/** What the operations chat should be told now: nothing, an alert, or 恢复正常. */
export type AlertNotice =
  | {
      send: AlertSend;
      /** When the spell the notice is about began: with the kind, the notice's identity (its send's uuid). */
      since: Date;
      /** When it was decided (the time on the card; a notice sent again keeps it). */
      at: Date;
      detail: string;
    }
  | undefined;

const NOTHING_PENDING = { pendingSend: null, pendingSince: null, pendingAt: null } as const;

/**
 * Records whether `kind` fires now and decides, under the row's lock (so several instances agree),
 * whether to tell anyone: an alert when it starts firing, but at most one per `minIntervalMs` (a
 * flapping check waits, and is told once the interval has passed while it still fires); one
 * 恢复正常 when an alert that was told clears. The notice is recorded as pending in the same
 * transaction and stays so until `alertDelivered`: a notice decided earlier and not yet known
 * delivered is returned again while it still holds (an alert while the kind fires, 恢复正常 while it
 * is clear). An alert never known delivered whose kind cleared is followed by 恢复正常 (it may have got
 * through); a 恢复正常 never known delivered whose kind fires again is withdrawn, the spell goes on.
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
    const pending = row.pendingSend && row.pendingSince && row.pendingAt;
    if (pending && row.pendingSend === 'recovered' && firing) {
      await set({ firing: true, notified: true, since: row.pendingSince, detail, ...NOTHING_PENDING });
      return undefined;
    }
    if (pending && (row.pendingSend === 'alert') === firing) {
      await set({ detail });
      return { send: row.pendingSend!, since: row.pendingSince!, at: row.pendingAt!, detail };
    }
    if (firing) {
      const since = row.firing ? row.since : now;
      const due = !row.lastSentAt || now.getTime() - row.lastSentAt.getTime() >= input.minIntervalMs;
      if (!row.notified && due) {
        await set({
          firing: true,
          notified: true,
          since,
          detail,
          lastSentAt: now,
          pendingSend: 'alert',
          pendingSince: since ?? now,
          pendingAt: now,
        });
        return { send: 'alert', since: since ?? now, at: now, detail };
      }
      await set({ firing: true, since, detail });
      return undefined;
    }
    if (!row.firing) return undefined;
    if (!row.notified) {
      await set({ firing: false, since: null, detail });
      return undefined;
    }
    const since = row.since ?? row.lastSentAt ?? now;
    await set({
      firing: false,
      notified: false,
      since: null,
      detail,
      pendingSend: 'recovered',
      pendingSince: since,
      pendingAt: now,
    });
    return { send: 'recovered', since, at: now, detail };
  });
}

/** Lark took the notice: nothing owed any more (unless a newer notice replaced it meanwhile). */
export async function alertDelivered(
  db: Db,
  input: { kind: string; notice: NonNullable<AlertNotice>; now: Date },
): Promise<void> {
  await db
    .update(opsAlerts)
    .set({ ...NOTHING_PENDING, updatedAt: input.now })
    .where(
      and(
        eq(opsAlerts.kind, input.kind),
        eq(opsAlerts.pendingSend, input.notice.send),
        eq(opsAlerts.pendingSince, input.notice.since),
      ),
    );
}

/** The notices decided and not yet known delivered, by kind. */
export async function pendingAlerts(db: Db): Promise<{ kind: string; notice: NonNullable<AlertNotice> }[]> {
  const rows = await db.select().from(opsAlerts).where(isNotNull(opsAlerts.pendingSend));
  return rows.flatMap((r) =>
    r.pendingSend && r.pendingSince && r.pendingAt
      ? [
          {
            kind: r.kind,
            notice: { send: r.pendingSend, since: r.pendingSince, at: r.pendingAt, detail: r.detail },
          },
        ]
      : [],
  );
}

/** Whether `kind` is recorded as firing (no row: never raised). */
export async function alertFiring(db: Db, kind: string): Promise<boolean> {
  const [row] = await db.select({ firing: opsAlerts.firing }).from(opsAlerts).where(eq(opsAlerts.kind, kind));
  return row?.firing === true;
}

export async function listAlerts(db: Db) {
  return db
    .select()
    .from(opsAlerts)
    .orderBy(sql`${opsAlerts.kind}`);
}
