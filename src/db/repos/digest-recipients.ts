import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

export interface DigestScope {
  id: number;
  path: string;
  code: string;
  name: string;
  fullName: string;
  kind: string;
}

export interface DigestRecipient {
  openId: string;
  name: string | null;
  unit: DigestScope;
}

/**
 * Every leader with each unit they lead: one digest per (leader, unit). A unit inside another unit
 * the same person leads is left out (the outer digest covers it); units with settings.digest ===
 * false are left out.
 */
export async function digestRecipients(db: Db, onlyOpenId?: string): Promise<DigestRecipient[]> {
  const rows = await queryRows<any>(
    db,
    sql`select r.open_id, p.name as person_name, u.id::int as id, u.path, u.code, u.name, u.full_name, u.kind,
          coalesce(u.settings->>'digest', '') = 'false' as off
        from unit_roles r join units u on u.id = r.unit_id left join people p on p.open_id = r.open_id
        where r.role = 'leader' ${onlyOpenId === undefined ? sql`` : sql`and r.open_id = ${onlyOpenId}`}
        order by r.open_id, u.path`,
  );
  const out: DigestRecipient[] = [];
  let kept: string[] = [];
  let current: string | undefined;
  for (const r of rows) {
    if (r.open_id !== current) {
      current = r.open_id;
      kept = [];
    }
    if (r.off === true || r.off === 't') continue;
    if (kept.some((p) => r.path.startsWith(p))) continue;
    kept.push(r.path);
    out.push({
      openId: r.open_id,
      name: r.person_name ?? null,
      unit: {
        id: Number(r.id),
        path: r.path,
        code: r.code,
        name: r.name,
        fullName: r.full_name,
        kind: r.kind,
      },
    });
  }
  return out;
}

/** The direct children of a unit, by code. */
export async function childUnits(
  db: Db,
  unitId: number,
): Promise<{ id: number; name: string; path: string }[]> {
  const rows = await queryRows<any>(
    db,
    sql`select id::int as id, name, path from units where parent_id = ${unitId} order by code`,
  );
  return rows.map((r) => ({ id: Number(r.id), name: r.name, path: r.path }));
}
