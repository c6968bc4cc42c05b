import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import type { ItemKind } from '../../domain/archival-code.js';
import type { Retention } from '../../domain/checklist.js';

/** A live filed item that could be confirmed, with what decides its class and its order. */
export interface ConfirmCandidate {
  itemId: number;
  /** What it is archived as (the task's 门类 can make a filed photo group a 文书 件). */
  kind: ItemKind;
  /** What it was filed as. */
  filedKind: ItemKind;
  taskId: number;
  /** The task's code and the item's title, as the dry run lists them. */
  taskCode: string;
  title: string;
  taskClass: string;
  retention: Retention;
  taskPosition: number;
  householdCode: string | null;
  unitId: number;
  unitKind: string;
  unitPath: string;
  year: number;
  firstSentAt: Date;
  filedAt: Date;
}

export interface CandidateScope {
  unitPath: string;
  year: number;
  taskId?: number;
  /** Restrict to these items (re-checked inside the confirming transaction). */
  itemIds?: number[];
}

/**
 * Live (not undone) items of the unit's subtree and year without a live 档号, ordered as the
 * catalogue lists them: by task (事由), household, then time. `lock` takes row locks on the items
 * so an undo cannot slip in while they are numbered.
 */
export async function listConfirmCandidates(
  db: Db,
  scope: CandidateScope,
  lock = false,
): Promise<ConfirmCandidate[]> {
  const rows = await queryRows<
    Omit<ConfirmCandidate, 'firstSentAt' | 'filedAt'> & {
      firstSentAt: Date | string | null;
      filedAt: Date | string;
    }
  >(
    db,
    sql`select fi.id::int as "itemId", fi.kind as "filedKind",
          -- A task archived as 文书 numbers its items as 文书 whatever they were filed as (a refiled photo group).
          case when coalesce(t.archive_as, case when 'document' = any(t.kinds) then 'document' end) = 'document'
            then 'document' else fi.kind end as kind,
          t.id::int as "taskId", t.code as "taskCode", fi.title, t.class as "taskClass",
          t.retention, t.position::int as "taskPosition", h.code as "householdCode",
          u.id::int as "unitId", u.kind as "unitKind", u.path as "unitPath", c.year::int as year,
          (select min(m.sent_at) from filing_item_materials fim join materials m on m.id = fim.material_id
            where fim.item_id = fi.id) as "firstSentAt",
          fi.filed_at as "filedAt"
        from filing_items fi
        join tasks t on t.id = fi.task_id
        join campaigns c on c.id = t.campaign_id
        join units u on u.id = t.unit_id
        left join households h on h.id = t.household_id
        where fi.undone_at is null
          and u.path like ${`${scope.unitPath}%`}
          and c.year = ${scope.year}
          ${scope.taskId !== undefined ? sql`and t.id = ${scope.taskId}` : sql``}
          ${
            scope.itemIds
              ? sql`and fi.id in (${sql.join(
                  scope.itemIds.map((id) => sql`${id}`),
                  sql`, `,
                )})`
              : sql``
          }
          and not exists (select 1 from archive_records ar where ar.item_id = fi.id and ar.status = 'confirmed')
        order by u.path, t.position, h.code nulls first, "firstSentAt", fi.filed_at, fi.id
        ${lock ? sql`for update of fi` : sql``}`,
  );
  return rows.map((r) => ({
    ...r,
    firstSentAt: new Date(r.firstSentAt ?? r.filedAt),
    filedAt: new Date(r.filedAt),
  }));
}

/** Codes of the units on each path (ancestors and self), nearest first, for fonds lookup. */
export async function unitCodesByPath(db: Db, paths: string[]): Promise<Map<string, string[]>> {
  const ids = [...new Set(paths.flatMap((p) => p.split('/').filter(Boolean).map(Number)))];
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  const rows = await queryRows<{ id: number; code: string }>(
    db,
    sql`select id::int as id, code from units where id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
  const codeOf = new Map(rows.map((r) => [Number(r.id), r.code]));
  for (const p of paths) {
    const chain = p.split('/').filter(Boolean).map(Number).reverse();
    out.set(
      p,
      chain.map((id) => codeOf.get(id)).filter((c): c is string => c !== undefined),
    );
  }
  return out;
}

/** Years that still have live, unconfirmed items in the subtree, newest first. */
export async function yearsWithUnconfirmed(db: Db, unitPath: string): Promise<{ year: number; n: number }[]> {
  return queryRows<{ year: number; n: number }>(
    db,
    sql`select c.year::int as year, count(*)::int as n
        from filing_items fi
        join tasks t on t.id = fi.task_id
        join campaigns c on c.id = t.campaign_id
        join units u on u.id = t.unit_id
        where fi.undone_at is null and u.path like ${`${unitPath}%`}
          and not exists (select 1 from archive_records ar where ar.item_id = fi.id and ar.status = 'confirmed')
        group by c.year order by c.year desc`,
  );
}

/** A task of the unit by the code officers type (C03, H01-02), in a campaign of that year. */
export async function findTaskByCode(
  db: Db,
  unitId: number,
  code: string,
  year: number,
): Promise<{ id: number; title: string } | undefined> {
  const [row] = await queryRows<{ id: number; title: string }>(
    db,
    sql`select t.id::int as id, t.title from tasks t join campaigns c on c.id = t.campaign_id
        where t.unit_id = ${unitId} and upper(t.code) = upper(${code}) and c.year = ${year}
        order by t.id limit 1`,
  );
  return row;
}

/** Years with 档号 in the subtree, newest first. */
export async function yearsWithRecords(db: Db, unitPath: string): Promise<number[]> {
  const rows = await queryRows<{ year: number }>(
    db,
    sql`select distinct ar.year::int as year from archive_records ar join units u on u.id = ar.unit_id
        where u.path like ${`${unitPath}%`} order by 1 desc`,
  );
  return rows.map((r) => Number(r.year));
}
