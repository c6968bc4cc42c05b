import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { installation } from '../schema/installation.js';

export interface Installation {
  installId: string;
  installedAt: Date;
}

/**
 * This database's install identity, created on the first start and never changed afterwards
 * (concurrent first starts agree: the first insert wins, everyone reads it back).
 */
export async function ensureInstallation(db: Db, now: Date): Promise<Installation> {
  await db
    .insert(installation)
    .values({ id: 1, installId: randomBytes(8).toString('hex'), installedAt: now })
    .onConflictDoNothing();
  const [row] = await db.select().from(installation).where(eq(installation.id, 1));
  if (!row) throw new Error('installation row missing after insert');
  return { installId: row.installId, installedAt: row.installedAt };
}

/** The install identity if the bot has started on this database before. */
export async function findInstallation(db: Db): Promise<Installation | undefined> {
  const [row] = await db.select().from(installation).where(eq(installation.id, 1));
  return row ? { installId: row.installId, installedAt: row.installedAt } : undefined;
}
