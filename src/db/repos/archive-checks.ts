import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';

/** Which of these hashes have a blob row and at least one material pointing at them. */
export async function knownBlobHashes(db: Db, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await queryRows<{ sha256: string }>(
    db,
    sql`select b.sha256 from blobs b
        where b.sha256 in (${sql.join(
          hashes.map((h) => sql`${h}`),
          sql`, `,
        )})
          and exists (select 1 from materials m where m.sha256 = b.sha256)`,
  );
  return new Set(rows.map((r) => r.sha256));
}

/** Live, unconfirmed items in the scope (reported in the package's 说明文件, not a failure). */
export async function countUnconfirmed(db: Db, unitPath: string, year: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from filing_items fi
        join tasks t on t.id = fi.task_id
        join campaigns c on c.id = t.campaign_id
        join units u on u.id = t.unit_id
        where fi.undone_at is null and c.year = ${year} and u.path like ${`${unitPath}%`}
          and not exists (select 1 from archive_records ar where ar.item_id = fi.id and ar.status = 'confirmed')`,
  );
  return Number(row?.n ?? 0);
}

/** Distinct (class, item code) of the tasks behind the scope's records: the retention table. */
export async function retentionRows(
  db: Db,
  unitPath: string,
  year: number,
): Promise<{ taskClass: string; itemCode: string; title: string; retention: 'Y' | 'D30' | 'D10' }[]> {
  return queryRows(
    db,
    sql`select distinct t.class as "taskClass", t.item_code as "itemCode", t.title, t.retention
        from tasks t join campaigns c on c.id = t.campaign_id join units u on u.id = t.unit_id
        where c.year = ${year} and u.path like ${`${unitPath}%`}
        order by 1, 2`,
  );
}

/** Every task of the scope with how many of its items hold a live 档号 (the package's checklist). */
export async function checklistRows(
  db: Db,
  unitPath: string,
  year: number,
): Promise<
  {
    unitName: string;
    code: string;
    title: string;
    householdName: string | null;
    state: string;
    confirmed: number;
  }[]
> {
  return queryRows(
    db,
    sql`select u.name as "unitName", t.code, t.title, h.head_name as "householdName", t.state,
          (select count(*)::int from filing_items fi join archive_records ar on ar.item_id = fi.id
            where fi.task_id = t.id and ar.status = 'confirmed') as confirmed
        from tasks t join campaigns c on c.id = t.campaign_id join units u on u.id = t.unit_id
        left join households h on h.id = t.household_id
        where c.year = ${year} and u.path like ${`${unitPath}%`}
        order by u.path, t.position, h.code nulls first`,
  );
}
