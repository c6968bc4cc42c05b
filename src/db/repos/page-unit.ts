import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client.js';
import { subtreeUnitIds } from './completeness.js';
import { pathIds } from './units.js';
import { HISTORY_UNREADABLE } from './schedule-sends.js';
import { URGES_PER_CHAT_A_DAY, urgePeriod } from '../../domain/urge-period.js';

export interface QualityProblem {
  itemId: number | null;
  title: string;
  unitName: string;
  at: Date;
}

export interface QualityProblems {
  compressed: { total: number; items: QualityProblem[] };
  undescribed: { total: number; items: QualityProblem[] };
  /** With the total by status, named as the weekly digest names them (需重新上传, 下载失败). */
  failedDownloads: {
    total: number;
    items: QualityProblem[];
    needsReupload: number;
    failed: number;
    tooLarge: number;
  };
}

/** How many of each list to skip (its page's first row less one): 0 when absent. */
export interface QualitySkips {
  compressed?: number;
  undescribed?: number;
  failed?: number;
}

/** A period quality problems cover instead of the last 30 days: [from, to). */
export interface QualityPeriod {
  from: Date;
  to: Date;
}

/** A quality list's page: the newest ten on the first, the next ten on each `?…_page=N` after it. */
export const QUALITY_PAGE = 10;
const LIST = QUALITY_PAGE;
/** Bound chats above which a unit page reads quality problems province-style (see qualityProblems). */
const WIDE = 500;
/** Quality problems are those of the last 30 days (like the digest's week): what needs doing now. */
export const QUALITY_WINDOW_DAYS = 30;

/** A material posted in a chat of the subtree (the compressed-photo and failed-download lists). */
interface PostedRow {
  id: number | string;
  kind: string;
  original_name: string | null;
  sent_at: Date | string;
  unit_name: string;
}

/** A photo group without 事由 (the undescribed list). */
interface UndescribedRow {
  item_id: number;
  title: string;
  unit_name: string;
  at: Date | string;
}

type Listed<T> = { rows: T[]; total: number };
/** How many of the listed materials are in each status (the failed downloads' breakdown). */
type ByStatus = { needs_reupload: number; failed: number; too_large: number };
const BY_STATUS = sql.raw(`count(*) filter (where status = 'needs_reupload') as needs_reupload,
  count(*) filter (where status = 'failed') as failed, count(*) filter (where status = 'too_large') as too_large`);
const counts = (c: (ByStatus & { total: number }) | undefined): { total: number } & ByStatus => ({
  total: Number(c?.total ?? 0),
  needs_reupload: Number(c?.needs_reupload ?? 0),
  failed: Number(c?.failed ?? 0),
  too_large: Number(c?.too_large ?? 0),
});

/**
 * Quality problems under a unit in the last 30 days (or in `period`: the digest's week, when the page
 * was opened from it, so its figures are the digest's): compressed photos (under 3 MP) and
 * failed downloads among what was posted in the units' chats, and photo groups filed without a
 * DA/T 50 description (事由). Read like the digest's figures: per bound chat on (chat_id, sent_at),
 * per unit on its live items. Past WIDE chats (a province) each list walks its problem's own partial
 * index newest first and stops at LIST in the subtree, and each total counts on that index alone
 * (index-only) grouped by chat or unit before looking those up — or not at all when the unit is the
 * only root of the tree (everything is in it). A total counts materials (a photo in two items once);
 * a listed photo links to its live item. `skip` pages a list (ten a page): a page past its end lists
 * nothing (past WIDE, its rows are not walked once its count says so).
 */
export async function qualityProblems(
  db: Db,
  root: { path: string },
  now: Date,
  opts: { wide?: boolean; period?: QualityPeriod; skip?: QualitySkips } = {},
): Promise<QualityProblems> {
  const ids = subtreeUnitIds(root);
  const since = opts.period?.from ?? new Date(now.getTime() - QUALITY_WINDOW_DAYS * 86_400_000);
  const until = opts.period?.to;
  const within = (column: string) =>
    until
      ? sql`${sql.raw(column)} >= ${since} and ${sql.raw(column)} < ${until}`
      : sql`${sql.raw(column)} >= ${since}`;
  const sentIn = within('sent_at');
  const [{ chats, roots }] = (await queryRows<{ chats: number; roots: number }>(
    db,
    sql`select (select count(*)::int from (select 1 from chat_bindings b join units u on u.id = b.unit_id
          where b.status <> 'ended' and u.path like ${`${root.path}%`} limit ${WIDE + 1}) x) as chats,
          (select count(*)::int from units where parent_id is null) as roots`,
  )) as [{ chats: number; roots: number }];
  const wide = opts.wide ?? Number(chats) > WIDE;
  // The only root of the tree holds every unit: no scope condition needed for the totals.
  const whole = pathIds(root.path).length === 1 && Number(roots) === 1;
  const inScope = sql`u.path like ${`${root.path}%`}`;

  // `byStatus` (failed downloads): also counted per status. Not for compressed photos, whose wide
  // count stays on its partial index alone (status is not in it).
  const posted = async (
    where: SQL,
    skip: number,
    byStatus = false,
  ): Promise<Listed<PostedRow> & ByStatus> => {
    if (!wide) {
      // The window's counts ride on the rows: a page past the end (no rows) reads them on the first row.
      const read = (offset: number, limit: number) =>
        queryRows<PostedRow & ByStatus & { total: number }>(
          db,
          sql`with s as materialized (${ids})
          select m.id, m.kind, m.status, m.original_name, m.sent_at, u.name as unit_name,
            count(*) over ()::int as total,
            count(*) filter (where m.status = 'needs_reupload') over ()::int as needs_reupload,
            count(*) filter (where m.status = 'failed') over ()::int as failed,
            count(*) filter (where m.status = 'too_large') over ()::int as too_large
          from s join chat_bindings b on b.unit_id = s.id and b.status <> 'ended' join units u on u.id = s.id
            cross join lateral (
              select id, kind, status, original_name, sent_at from materials
              where chat_id = b.chat_id and ${sentIn} and ${where} offset 0) m
          order by m.sent_at desc, m.id desc limit ${limit} offset ${offset}`,
        );
      const rows = await read(skip, LIST);
      return { rows, ...counts(rows[0] ?? (skip > 0 ? (await read(0, 1))[0] : undefined)) };
    }
    const recent = sql`(select id, chat_id, kind, status, original_name, sent_at from materials
      where ${sentIn} and ${where})`;
    const byChat = sql`(select chat_id, count(*) as n ${byStatus ? sql`, ${BY_STATUS}` : sql``} from materials
      where ${sentIn} and ${where} group by chat_id)`;
    const sums = sql.raw(
      byStatus
        ? `coalesce(sum(m.n), 0)::int as total, coalesce(sum(m.needs_reupload), 0)::int as needs_reupload,
          coalesce(sum(m.failed), 0)::int as failed, coalesce(sum(m.too_large), 0)::int as too_large`
        : 'coalesce(sum(m.n), 0)::int as total',
    );
    const list = () =>
      queryRows<PostedRow>(
        db,
        sql`select m.id, m.kind, m.status, m.original_name, m.sent_at, u.name as unit_name
            from ${recent} m
              join chat_bindings b on b.chat_id = m.chat_id and b.status <> 'ended'
              join units u on u.id = b.unit_id
            where ${inScope}
            order by m.sent_at desc, m.id desc limit ${LIST} offset ${skip}`,
      );
    const total = () =>
      queryRows<ByStatus & { total: number }>(
        db,
        whole
          ? sql`select ${sums} from ${byChat} m
              where exists (select 1 from chat_bindings b where b.chat_id = m.chat_id and b.status <> 'ended')`
          : sql`select ${sums} from ${byChat} m
              join chat_bindings b on b.chat_id = m.chat_id and b.status <> 'ended'
              join units u on u.id = b.unit_id
            where ${inScope}`,
      );
    const [rows, [count]] = await pagedRead(skip, list, total, (c) => Number(c[0]?.total ?? 0));
    return { rows, ...counts(count) };
  };

  const undescribed = async (skip: number): Promise<Listed<UndescribedRow>> => {
    const noReason = sql`not exists (select 1 from item_descriptions d where d.item_id = fi.id and coalesce(d.reason, '') <> '')`;
    if (!wide) {
      const read = (offset: number, limit: number) =>
        queryRows<UndescribedRow & { total: number }>(
          db,
          sql`with s as materialized (${ids})
          select fi.id::int as item_id, fi.title, u.name as unit_name, fi.filed_at as at, count(*) over ()::int as total
          from s join units u on u.id = s.id
            cross join lateral (
              select id, title, filed_at from filing_items
              where unit_id = s.id and undone_at is null and kind = 'photo_group' and ${within('filed_at')} offset 0) fi
          where ${noReason}
          order by fi.filed_at desc, fi.id desc limit ${limit} offset ${offset}`,
        );
      const rows = await read(skip, LIST);
      const first = rows[0] ?? (skip > 0 ? (await read(0, 1))[0] : undefined);
      return { rows, total: Number(first?.total ?? 0) };
    }
    const recent = sql`fi.undone_at is null and fi.kind = 'photo_group' and ${within('fi.filed_at')} and ${noReason}`;
    const list = () =>
      queryRows<UndescribedRow>(
        db,
        sql`select fi.id::int as item_id, fi.title, u.name as unit_name, fi.filed_at as at
            from filing_items fi join units u on u.id = fi.unit_id
            where ${recent} and ${inScope}
            order by fi.filed_at desc, fi.id desc limit ${LIST} offset ${skip}`,
      );
    const total = () =>
      queryRows<{ total: number }>(
        db,
        whole
          ? sql`select count(*)::int as total from filing_items fi where ${recent}`
          : sql`select coalesce(sum(x.n), 0)::int as total
              from (select fi.unit_id, count(*) as n from filing_items fi where ${recent} group by fi.unit_id) x
                join units u on u.id = x.unit_id
              where ${inScope}`,
      );
    const [rows, [count]] = await pagedRead(skip, list, total, (c) => Number(c[0]?.total ?? 0));
    return { rows, total: Number(count?.total ?? 0) };
  };

  /** The live item holding each listed photo (if any), for its link and title. */
  const itemsOf = async (rows: PostedRow[]) =>
    new Map(
      (
        await queryRows<{ id: number; item_id: number; title: string }>(
          db,
          sql`select m.id::bigint as id, fi.id::int as item_id, fi.title
              from unnest(${`{${rows.map((r) => Number(r.id)).join(',')}}`}::bigint[]) m(id)
                join filing_item_materials fim on fim.material_id = m.id
                join filing_items fi on fi.id = fim.item_id and fi.undone_at is null`,
        )
      ).map((r) => [Number(r.id), r]),
    );
  const [[compressed, itemOf], noDescription, failed] = await Promise.all([
    // A video's cover judged 「压缩」 by an earlier version (download-record.ts now gives it none) is no photo.
    posted(
      sql`kind = 'photo' and quality = 'compressed' and role is distinct from 'cover'`,
      opts.skip?.compressed ?? 0,
    ).then(async (c) => [c, await itemsOf(c.rows)] as const),
    undescribed(opts.skip?.undescribed ?? 0),
    posted(sql`status in ('failed', 'needs_reupload', 'too_large')`, opts.skip?.failed ?? 0, true),
  ]);
  return {
    compressed: {
      total: compressed.total,
      items: compressed.rows.map((r) => {
        const item = itemOf.get(Number(r.id));
        return {
          itemId: item ? Number(item.item_id) : null,
          title: item?.title ?? '（未归档）',
          unitName: r.unit_name,
          at: new Date(r.sent_at),
        };
      }),
    },
    undescribed: {
      total: noDescription.total,
      items: noDescription.rows.map((r) => ({
        itemId: Number(r.item_id),
        title: r.title,
        unitName: r.unit_name,
        at: new Date(r.at),
      })),
    },
    failedDownloads: {
      total: failed.total,
      needsReupload: failed.needs_reupload,
      failed: failed.failed,
      tooLarge: failed.too_large,
      items: failed.rows.map((r) => ({
        itemId: null,
        title: r.original_name ?? r.kind,
        unitName: r.unit_name,
        at: new Date(r.sent_at),
      })),
    },
  };
}

/**
 * A wide list's rows and count: at once on the first page; on a later one the count first, and the
 * rows only when the page is not past the end (so an edited ?…_page=9999 walks no index).
 */
async function pagedRead<R, C>(
  skip: number,
  list: () => Promise<R[]>,
  total: () => Promise<C>,
  n: (c: C) => number,
): Promise<[R[], C]> {
  if (skip === 0) return Promise.all([list(), total()]);
  const count = await total();
  return [skip < n(count) ? await list() : [], count];
}

export interface TrendPoint {
  week: string;
  /** When the digest recorded it (people read the point by this day, not by the ISO week). */
  takenAt: Date;
  total: number;
  done: number;
  overdue: number;
}

/** The unit's weekly completeness as the digests recorded it, oldest first (at most `weeks`). */
export async function completenessTrend(db: Db, unitId: number, weeks = 12): Promise<TrendPoint[]> {
  const rows = await queryRows<{
    week: string;
    taken_at: Date | string;
    total: number;
    done: number;
    overdue: number;
  }>(
    db,
    sql`select week, taken_at, total, done, overdue from completeness_snapshots where unit_id = ${unitId}
        order by week desc limit ${weeks}`,
  );
  return rows
    .map((r) => ({
      week: r.week,
      takenAt: new Date(r.taken_at),
      total: Number(r.total),
      done: Number(r.done),
      overdue: Number(r.overdue),
    }))
    .reverse();
}

/**
 * The 督办 of `day` (a local day) of the units given, read over the chats now bound to them (active
 * bindings; a send keyed by the chat, whichever unit it was pressed for): `of(unit)` the village's 督办,
 * `of(unit, task)` that task's (`domain/urge-period.ts`). A 督办 is `arranged` (each of the chats has it
 * sent, or queued to go out), `undelivered` (one of theirs was closed without reaching it: Lark refused
 * it, it expired unposted; pressing again sends that chat's again, urge-now.ts), `unsure` (closed after
 * a post whose answer was lost: it may be in the chat; pressing again looks before posting) or
 * `unconfirmed` (such a one, and Lark would not show the chat's history: the leader looks; pressing
 * again posts). A task is `arranged` or `undelivered` too when the village's 督办 (naming every overdue
 * task) is; a unit
 * whose every chat had URGES_PER_CHAT_A_DAY 督办 that day is `full` for any other. A 督办 to a chat the
 * unit no longer has (the village moved to a new group, the bot was removed from the old one) does not
 * count: a chat bound since, without one, leaves the unit with none, so the page offers 督办 for it (the
 * press sends only to that chat).
 */
export async function urgeStates(db: Db, unitIds: number[], day: string): Promise<UrgeStates> {
  const rows =
    unitIds.length === 0
      ? []
      : await queryRows<{
          unit_id: number;
          chat_id: string;
          period: string | null;
          status: string | null;
          unsure: boolean | null;
          unreadable: boolean | null;
        }>(
          db,
          sql`select b.unit_id::int as unit_id, b.chat_id, s.period, s.status, s.unsure_since is not null as unsure,
                s.last_error like ${`${HISTORY_UNREADABLE}%`} as unreadable
              from chat_bindings b
                left join scheduled_sends s on s.kind = 'urge' and s.target = b.chat_id
                  and (s.period = ${day} or s.period like ${`${day}:%`})
              where b.status = 'active' and b.unit_id = any(${`{${unitIds.map(Number).join(',')}}`}::bigint[])`,
        );
  const chatsOf = new Map<number, Set<string>>();
  for (const r of rows) {
    const unit = Number(r.unit_id);
    chatsOf.set(unit, (chatsOf.get(unit) ?? new Set()).add(r.chat_id));
  }
  const stateOf = (unitId: number, period: string): UrgeState | undefined => {
    const sends = rows.filter((r) => Number(r.unit_id) === unitId && r.period === period);
    if (sends.length === 0) return undefined;
    const closed = sends.filter((r) => r.status === 'failed' || r.status === 'expired');
    if (closed.some((r) => !r.unsure)) return 'undelivered';
    if (closed.some((r) => r.status === 'failed' && r.unreadable)) return 'unconfirmed';
    if (closed.length > 0) return 'unsure';
    return new Set(sends.map((r) => r.chat_id)).size === (chatsOf.get(unitId)?.size ?? 0)
      ? 'arranged'
      : undefined;
  };
  const full = (unitId: number): boolean => {
    const chats = [...(chatsOf.get(unitId) ?? [])];
    return (
      chats.length > 0 &&
      chats.every(
        (chat) =>
          rows.filter(
            (r) =>
              r.chat_id === chat &&
              r.period !== null &&
              (r.status === 'pending' || r.status === 'sent' || r.unsure === true),
          ).length >= URGES_PER_CHAT_A_DAY,
      )
    );
  };
  return {
    of: (unitId, taskId) => {
      const own = stateOf(unitId, urgePeriod(day, taskId));
      if (own) return own;
      // The village's 督办 named the task: sent or queued, the task's is not sent too; not delivered, the
      // task's page says so and its press sends the task's. (One that may have arrived is the
      // village's to look for: the task's press posts its own.)
      const village = taskId === undefined ? undefined : stateOf(unitId, day);
      if (village === 'arranged' || village === 'undelivered') return village;
      return full(unitId) ? 'full' : undefined;
    },
  };
}

export interface UrgeStates {
  /** The village's 督办 of the day (`taskId` absent), or that task's. */
  of(unitId: number, taskId?: number): UrgeState | undefined;
}

/** `full`: the chats had URGES_PER_CHAT_A_DAY 督办 that day; no other goes out before tomorrow. */
export type UrgeState = 'arranged' | 'undelivered' | 'unconfirmed' | 'unsure' | 'full';
