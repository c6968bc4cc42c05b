import { eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { campaigns } from '../schema/index.js';

export interface CampaignRow {
  id: number;
  code: string;
  title: string;
  checklistCode: string;
  checklistVersion: number;
  year: number;
  deadline: Date;
  createdAt: Date;
  createdBy: string;
}

export async function getCampaignByCode(db: Db, code: string): Promise<CampaignRow | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.code, code));
  return row;
}

export async function getCampaign(db: Db, id: number): Promise<CampaignRow | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  return row;
}

/** Inserts the campaign unless its code exists; returns the stored row and whether it is new. */
export async function ensureCampaign(
  tx: Db,
  c: Omit<CampaignRow, 'id'>,
): Promise<{ campaign: CampaignRow; created: boolean }> {
  const [row] = await tx.insert(campaigns).values(c).onConflictDoNothing().returning();
  if (row) return { campaign: row, created: true };
  const existing = await getCampaignByCode(tx, c.code);
  if (!existing) throw new Error(`ensureCampaign: ${c.code} vanished`);
  return { campaign: existing, created: false };
}
