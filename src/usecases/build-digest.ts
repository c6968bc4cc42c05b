import { digestCard, noTasksDigestCard } from '../cards/digest-card.js';
import type { Db } from '../db/client.js';
import { scopeRaw } from '../db/repos/digest-figures.js';
import { childUnits, digestRecipients, type DigestScope } from '../db/repos/digest-recipients.js';
import { lastSentDigestWeeks, snapshotsBefore } from '../db/repos/digest-snapshots.js';
import { personNames } from '../db/repos/reminder-audience.js';
import { ownersNow, reminderTaskDetails } from '../db/repos/reminder-candidates.js';
import { missingText } from '../domain/checklist-task-state.js';
import {
  bestAndWorst,
  changeLabelOf,
  urgesText,
  composeRaw,
  DIGEST_WEEKS_AT_MOST,
  namesApart,
  qualityTotal,
  rank,
  rollUp,
  unitRow,
  type Counts,
  type DigestFigures,
  type ScopeRaw,
} from '../domain/digest.js';
import {
  addDays,
  daysOverdue,
  isoWeek,
  isoWeekMonday,
  localDay,
  weekMonday,
  zonedInstant,
} from '../domain/working-days.js';
import { weeksName } from '../domain/plain-date.js';
import type { RenderedSend } from './build-reminders.js';
import { MATERIAL_STATUS_LABEL as STATUS } from '../domain/material-status.js';
import { unitsCalled } from './unit-naming.js';
import { personName, unnamedPerson } from '../domain/person-name.js';

export interface DigestOptions {
  timeZone: string;
  /** How many of the oldest overdue items to list. */
  oldestOverdue: number;
  /** A digest not delivered within this many days is dropped. */
  validDays: number;
  /** PUBLIC_URL: 查看详情 and per-unit buttons open the web pages. */
  publicUrl?: string;
  /** The digest's weekday (1 = Monday, the default), named by the card of a unit without tasks. */
  weekday?: number;
}

const DAY_MS = 86_400_000;

/** Where one unit's digest period begins, from what its earlier digests did. */
interface DigestStart {
  /** The ISO week before this one of the last digest sent for the unit, within DIGEST_WEEKS_AT_MOST. */
  lastSent?: string;
  /** The ISO week of the unit's latest earlier snapshot (a digest was built for it then). */
  lastSnapshot?: string;
}

/**
 * The Monday the digest sent on `day` reports from: the end of the last digest that reached the unit
 * (the Monday of the week it went out in), so a week whose digest never went out (the bot down on
 * the digest day, a week without working days) is reported by the next one; at most DIGEST_WEEKS_AT_MOST
 * back (an older last digest: that many weeks); a unit never reported gets the week just ended.
 */
function periodStart(day: string, start: DigestStart): string {
  const monday = weekMonday(day);
  const bound = addDays(monday, -7 * DIGEST_WEEKS_AT_MOST);
  if (start.lastSent) {
    const end = isoWeekMonday(start.lastSent);
    return end > bound ? end : bound;
  }
  return start.lastSnapshot ? bound : addDays(monday, -7);
}

/**
 * The figures of one leader's unit at `at`: completeness of the subtree and of each direct child,
 * with the change since the last digest's snapshot, the ranking, the oldest overdue items with their
 * owners, what was filed since the last digest (the week just ended, or more: `periodStart`), quality
 * problems of what was posted, and the next deadlines. Reads only (dry runs may call it any time).
 * With a `cache` (one run over many units), a unit whose children are all cached over the same
 * period is composed from them instead of read again.
 */
async function buildDigest(
  db: Db,
  scope: DigestScope,
  at: Date,
  opts: DigestOptions,
  lastSent: string | undefined,
  cache?: Map<string, ScopeRaw>,
): Promise<DigestFigures> {
  const tz = opts.timeZone;
  const day = localDay(at, tz);
  const week = isoWeek(day);
  const children = await childUnits(db, scope.id);
  // The change: since the latest earlier snapshot (the last digest's figures), however long ago.
  const before = await snapshotsBefore(db, week, scope.id, [scope.id, ...children.map((c) => c.id)]);
  // Whole ISO weeks, Monday to Monday, ending with the one just ended (a Monday digest reports the
  // week that just ended; one that reaches the unit after missed weeks reports them all).
  const monday = periodStart(day, { lastSent, lastSnapshot: before?.week });
  const to = zonedInstant(weekMonday(day), '00:00', tz);
  const from = zonedInstant(monday, '00:00', tz);
  const weeks = Math.round((Date.parse(weekMonday(day)) - Date.parse(monday)) / (7 * DAY_MS));
  const key = (id: number) => `${id}@${monday}`;
  let raw = cache?.get(key(scope.id));
  if (!raw && cache) {
    if (children.length > 0 && children.every((c) => cache.has(key(c.id))))
      raw = composeRaw(
        await scopeRaw(db, scope, at, {
          timeZone: tz,
          oldest: opts.oldestOverdue,
          from,
          to,
          selfOnly: true,
        }),
        children.map((c) => cache.get(key(c.id))!),
        opts.oldestOverdue,
      );
  }
  raw ??= await scopeRaw(db, scope, at, { timeZone: tz, oldest: opts.oldestOverdue, from, to });
  cache?.set(key(scope.id), raw);
  const earlier = before?.counts ?? new Map<number, Counts>();
  const details = await reminderTaskDetails(
    db,
    raw.oldest.map((o) => o.taskId),
  );
  const rolled = rollUp(scope, raw.perUnit);
  const zero = { total: 0, done: 0, overdue: 0 };
  // The unit, its children and the units of the oldest named as answers name them (two 东村 of two
  // townships: 城关镇东村), read once.
  const called = await unitsCalled(db, [
    scope,
    ...children,
    ...[...details.values()].map((d) => ({ id: d.unitId, name: d.unitName })),
  ]);
  const ranked = rank(
    children.map((c) =>
      unitRow({ id: c.id, name: called(c) }, rolled.byChild.get(c.id) ?? zero, earlier.get(c.id)),
    ),
  );
  const names = await personNames(db, [...details.values()].flatMap(ownersNow));
  const a = raw.activity;
  // Two 城关村 of different townships among the oldest: each named with its township.
  const nameOf = namesApart([...details.values()]);
  return {
    week: isoWeek(monday),
    weekName: weeksName(monday, weeks, day),
    weeks,
    changeLabel: changeLabelOf(before?.week, day),
    from,
    to,
    scope: unitRow({ id: scope.id, name: called(scope) }, rolled.total, earlier.get(scope.id)),
    children: ranked,
    ...bestAndWorst(ranked, 3),
    oldest: raw.oldest.map((o) => {
      const d = details.get(o.taskId);
      // Two of a name in the list: 「城关村（城关镇）」, as the page it opens; one another unit shares: 城关镇城关村.
      const listed = d ? nameOf(d) : '';
      const unitName = d && listed === d.unitName ? called({ id: d.unitId, name: d.unitName }) : listed;
      const dueAt = new Date(o.dueMs);
      const dueDay = localDay(dueAt, tz);
      return {
        taskId: o.taskId,
        unitName,
        code: d?.code ?? '',
        title: d?.title ?? '',
        householdName: d?.householdName ?? null,
        missingText: missingText(d?.kinds ?? [], o.missing),
        dueDay,
        overdueDays: daysOverdue(dueAt, at, tz),
        owners: (d ? ownersNow(d) : []).map((id) => personName(names, id)),
      };
    }),
    filed: { items: a.itemsFiled, materials: a.materialsFiled },
    quality: {
      compressed: a.compressed,
      undescribed: a.undescribed,
      needsReupload: a.needsReupload,
      failed: a.failed,
      tooLarge: a.tooLarge,
    },
    urges: { count: a.urges, units: a.urgedUnits, names: raw.urgedNames },
    deadlines: raw.days,
  };
}

/**
 * The digest sends of the week at `at` (a unit without tasks yet gets a short card saying so, every
 * week until its first 任务清单): one card per (leader, unit they lead), to the leader by
 * direct message, or one per unit to its leaders' chat; claimed under (digest, target, ISO week). Figures of a unit led by
 * several people are computed once.
 */
export async function buildDigests(
  db: Db,
  at: Date,
  opts: DigestOptions,
  onlyOpenId?: string,
): Promise<(RenderedSend & { figures: DigestFigures })[]> {
  const week = isoWeek(localDay(at, opts.timeZone));
  const notAfter = new Date(at.getTime() + opts.validDays * DAY_MS);
  const raws = new Map<string, ScopeRaw>();
  const figuresOf = new Map<number, DigestFigures>();
  const sends: (RenderedSend & { figures: DigestFigures })[] = [];
  // Deepest units first: a county is then composed from its townships' figures.
  const depth = (path: string) => path.split('/').length;
  const recipients = (await digestRecipients(db, onlyOpenId)).sort(
    (a, b) => depth(b.unit.path) - depth(a.unit.path),
  );
  const day = localDay(at, opts.timeZone);
  const lastSent = await lastSentDigestWeeks(db, isoWeek(addDays(day, -7 * DIGEST_WEEKS_AT_MOST)), week, [
    ...new Set(recipients.map((r) => r.unit.id)),
  ]);
  for (const r of recipients) {
    let figures = figuresOf.get(r.unit.id);
    if (!figures)
      figuresOf.set(
        r.unit.id,
        (figures = await buildDigest(db, r.unit, at, opts, lastSent.get(r.unit.id), raws)),
      );
    const who = r.name ?? (r.to.type === 'chat_id' ? `${r.unit.name}领导群` : unnamedPerson(r.to.id));
    // No tasks yet (before the first 任务清单): a short card saying so, not a week of silence.
    const empty = figures.scope.total === 0;
    sends.push({
      kind: 'digest',
      target: r.to.type === 'open_id' ? `${r.to.id}:${r.unit.id}` : `chat:${r.to.id}:${r.unit.id}`,
      period: week,
      receiveIdType: r.to.type,
      receiveId: r.to.id,
      msgType: 'interactive',
      content: JSON.stringify(
        empty
          ? noTasksDigestCard(figures.scope.name, figures.weekName, opts.weekday)
          : digestCard(figures, opts.timeZone, opts.publicUrl),
      ),
      unitId: r.unit.id,
      taskIds: [],
      notAfter,
      text: empty
        ? `进度周报 ${figures.weekName} · ${figures.scope.name} → ${who}\n  还没有任务清单`
        : digestText(figures, who),
      figures,
    });
  }
  return sends;
}

/** The rows to snapshot for next week's "change": every unit the digests showed, once. */
export function digestSnapshotRows(
  all: DigestFigures[],
): { unitId: number; total: number; done: number; overdue: number }[] {
  const rows = new Map<number, { unitId: number; total: number; done: number; overdue: number }>();
  for (const f of all)
    // A unit without tasks has no completeness to remember (its digest only says so).
    for (const r of f.scope.total === 0 ? [] : [f.scope, ...f.children])
      if (!rows.has(r.id)) rows.set(r.id, { unitId: r.id, total: r.total, done: r.done, overdue: r.overdue });
  return [...rows.values()];
}

function digestText(f: DigestFigures, who: string): string {
  const pct = (p: number | null) => (p === null ? '—' : `${p.toFixed(1)}%`);
  const chg = (c: number | null) =>
    c === null ? '' : `（${f.changeLabel} ${c >= 0 ? '+' : ''}${c.toFixed(1)}）`;
  return [
    `进度周报 ${f.weekName} · ${f.scope.name} → ${who}`,
    `  完成率 ${pct(f.scope.percent)}${chg(f.scope.change)}，任务 ${f.scope.total}，逾期 ${f.scope.overdue}`,
    ...f.children.map((c) => `  ${c.name}：${pct(c.percent)}${chg(c.change)}，逾期 ${c.overdue}`),
    `  ${f.weeks === 1 ? '上周' : `近 ${f.weeks} 周`}新提交 ${f.filed.items} 件 / ${f.filed.materials} 份；质量问题 ${qualityTotal(f.quality)}（压缩照片 ${f.quality.compressed}，缺少说明 ${f.quality.undescribed}，${STATUS.needs_reupload} ${f.quality.needsReupload}，${STATUS.failed} ${f.quality.failed}，${STATUS.too_large} ${f.quality.tooLarge}）`,
    ...(f.urges.count > 0 ? [`  ${urgesText(f)}`] : []),
  ].join('\n');
}
