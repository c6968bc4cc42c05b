import { sql } from 'drizzle-orm';
import { taskStatuses, villageWordOf } from '../../db/repos/completeness.js';
import { missingForUnit, type MissingList } from '../../db/repos/completeness-missing.js';
import { unitProgress, type Retirement, type UnitProgress } from '../../db/repos/completeness-progress.js';
import { retirementWords } from '../../domain/retired-units.js';
import {
  completenessTrend,
  QUALITY_PAGE,
  QUALITY_WINDOW_DAYS,
  qualityProblems,
  urgeStates,
  type QualityProblems,
  type UrgeState,
  type UrgeStates,
} from '../../db/repos/page-unit.js';
import { ownersOfTasks } from '../../db/repos/reminder-candidates.js';
import { plainDate, plainDay } from '../../domain/plain-date.js';
import { firstSendable } from '../../domain/quiet-hours.js';
import { holdsRole, type PageContext } from '../web-context.js';
import { EDIT_ROLES } from './compilation-view.js';
import { transfersPath } from '../../domain/transfer-changes.js';
import { page } from '../web-app.js';
import { comingTime, day, percent, STATE_LABEL, unitKindLabel } from './format.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { qualityPeriod } from './quality-period.js';
import { trendSvg } from './trend-svg.js';
import { digestFiguresLine } from './digest-figures-line.js';
import { bar, crumbs, visibleUnit } from './unit-view.js';
import { openTasksDue } from '../../db/repos/page-due-tasks.js';
import { dueAfter, dueDay, dueSection } from './due-section.js';
import { listPager } from './list-pages.js';
import { MATERIAL_STATUS_LABEL as STATUS } from '../../domain/material-status.js';
import { personName } from '../../domain/person-name.js';
import { lastUrges, lastUrgesOfTasks } from '../../db/repos/urge-history.js';
import { URGES_PER_CHAT_A_DAY } from '../../domain/urge-period.js';
import { lastUrgeNote, readersInChats, urgeOfTask } from './urge-note.js';
import { snapshotsBefore } from '../../db/repos/digest-snapshots.js';
import { urgesDone, type UrgeDone } from '../../db/repos/urges-done.js';
import {
  byRank,
  changeLabelOf,
  changeText,
  namesApart,
  unitRow,
  urgedUnitsText,
} from '../../domain/digest.js';
import { addDays, isoWeek, localDay } from '../../domain/working-days.js';
import { URGE_ROLES } from '../../domain/units-people.js';

const UNCONFIRMED = '督办可能已送达，发送时网络中断，机器人无法查看群消息确认；请到群里看一看，没有收到再按';

/**
 * A 督办 button (POST /urge with the CSRF token), or "今天已督办" — or, in quiet hours, "已督办" with
 * the time it goes out (`later`). A 督办 that did not reach a chat says so (「督办未送达」) beside the
 * button, which sends it again; one whose answer from Lark was lost may be in the chat
 * (「督办可能已送达」): the button first looks there, so it is not posted twice — unless Lark would not
 * show the chat (`unconfirmed`): then the leader is asked to look, and the button posts it.
 */
export function urgeButton(
  c: PageContext,
  unitId: number,
  urged: UrgeState | undefined,
  taskId?: number,
  later?: string,
): Html {
  if (urged === 'arranged')
    return html`<span class="sent">${later ? `已督办（${later} 发出）` : '今天已督办'}</span>`;
  // The village's chats had their day's 督办 (domain/urge-period.ts): no more before tomorrow.
  if (urged === 'full')
    return html`<span class="sent">今天已督办 ${URGES_PER_CHAT_A_DAY} 次，明天可以再督办</span>`;
  // 返回 comes back to the page as it was opened: from the digest, over its week (?from&to), so its
  // figures stay the card's (the bare path showed the last 30 days' quality problems instead).
  const back = c.koa.originalUrl.length <= 1000 ? c.koa.originalUrl : c.koa.path;
  // The confirm says what the press does: a 督办 card into the unit's chats (not the daily reminder);
  // when the last one may have arrived (unsure), the press looks in the chat first and may post nothing.
  const asks =
    urged === 'unsure'
      ? `确定督办？上次的督办可能已在群里，机器人会先查看，群里没有才${later ? `在${later} ` : ''}发。`
      : later
        ? `确定督办？督办消息将在${later} 发到群里。`
        : '确定督办？机器人会马上在群里发一条督办消息。';
  const form = html`<form class="inline" method="post" action="/urge" data-confirm="${asks}">
    <input type="hidden" name="_csrf" value="${c.viewer.csrf}" /><input
      type="hidden"
      name="unit"
      value="${unitId}"
    />
    ${taskId ? html`<input type="hidden" name="task" value="${taskId}" />` : ''}
    <input type="hidden" name="back" value="${back}" /><button type="submit">
      ${urged ? '再次督办' : '督办'}
    </button>
  </form>`;
  if (urged === 'undelivered') return html`<span class="bad undelivered">督办未送达</span> ${form}`;
  // Sent while the network failed: Lark may have delivered it (a press checks the chat first).
  if (urged === 'unsure')
    return html`<span class="bad undelivered">督办可能已送达，发送时网络中断，未能确认</span> ${form}`;
  // … and Lark would not let the bot read the chat to find out: the leader looks (a press posts it).
  if (urged === 'unconfirmed') return html`<span class="bad undelivered">${UNCONFIRMED}</span> ${form}`;
  return form;
}

/**
 * The day a 督办 pressed now counts for — the day it goes out: today, or in quiet hours the morning
 * they end — and then (`later`) when it goes out, 「明天 8:00」.
 */
export function urgeTiming(c: PageContext, now: Date): { urgeDay: string; later?: string } {
  const sendsAt = firstSendable(now, c.deps.timeZone, c.deps.quietHours ?? null);
  const later = sendsAt.getTime() > now.getTime() ? comingTime(sendsAt, now, c.deps.timeZone) : undefined;
  return { urgeDay: day(sendsAt, c.deps.timeZone), later };
}

/**
 * GET /units/:id — completeness, trend, children ranked, tasks (villages), overdue, quality (of the
 * last 30 days, or of `?from&to`: the digest's week when opened from it).
 */
export async function unitPage(c: PageContext): Promise<void> {
  const { db, clock, timeZone } = c.deps;
  const unit = await visibleUnit(c, c.params.id!);
  const now = clock.now();
  const { period, label, week } = qualityPeriod(c.koa.query, timeZone, day(now, timeZone));
  // The day of the digest the children's change is as of: the one whose weeks `?from&to` carry (it is
  // sent in the week after them), else this week's (the latest).
  const digestDay = period && week ? localDay(period.to, timeZone) : day(now, timeZone);
  // ?due=YYYY-MM-DD: that day's open tasks (the digest's 「接下来的截止日期」 line for the day).
  const due = dueDay(c.koa.query, timeZone);
  // ?overdue_page=N: the 逾期 list's page (most overdue first, 50 a page; the digest's 逾期 opens page 1).
  const overduePage = pageNumber(c.koa.query.overdue_page);
  // ?compressed_page=N, ?undescribed_page=N, ?failed_page=N: a quality list's page (ten a page).
  const qualityPages = {
    compressed: pageNumber(c.koa.query.compressed_page),
    undescribed: pageNumber(c.koa.query.undescribed_page),
    failed: pageNumber(c.koa.query.failed_page),
  };
  const progressRead = unitProgress(db, unit.id, now);
  // Independent reads at once (each on its own pooled connection): the page waits for the slowest.
  const [progressOrNone, trend, missing, own, quality, crumbsHtml, dueTasks, villages, urges] =
    await Promise.all([
      progressRead,
      completenessTrend(db, unit.id),
      overdueList(db, unit.id, now, overduePage, timeZone, progressRead),
      unit.kind === 'village' ? taskStatuses(db, sql`t.unit_id = ${unit.id}`) : [],
      qualityProblems(db, unit, now, {
        period,
        skip: {
          compressed: (qualityPages.compressed - 1) * QUALITY_PAGE,
          undescribed: (qualityPages.undescribed - 1) * QUALITY_PAGE,
          failed: (qualityPages.failed - 1) * QUALITY_PAGE,
        },
      }),
      crumbs(c, unit.path),
      due ? openTasksDue(db, unit, due.from, due.to, { after: dueAfter(c.koa.query) }) : undefined,
      // What a township's villages are called (村, 社区 or 村（社区）), as its chat's cards call them.
      unit.kind === 'township' ? villageWordOf(db, unit.id) : undefined,
      // The 督办 of the page's period that reached the villages' chats: opened from a weekly digest, those
      // of its weeks, each the digest counted (its 「上周督办 N 次」); else those of the last 30 days.
      urgesDone(
        db,
        sql`select id, path from units where path like ${`${unit.path}%`}`,
        day(period?.from ?? new Date(now.getTime() - QUALITY_WINDOW_DAYS * 86_400_000), timeZone),
        period ? day(period.to, timeZone) : addDays(day(now, timeZone), 1),
      ),
    ]);
  // The units below as the chat's cards call them (domain/township-chat.ts childWords): 各村, 各社区, 各乡镇.
  const children = unit.kind === 'county' ? '乡镇' : villages;
  const progress = progressOrNone!;
  const overdue = missing.items.filter((m) => m.overdue);
  // Two 城关村 of different townships in the 逾期 list: each named with its township, as the digest does.
  const unitNameOf = namesApart(overdue);
  const { urgeDay, later } = urgeTiming(c, now);
  const unitIds = [
    ...new Set([...progress.children.map((ch) => ch.unit.id), ...overdue.map((o) => o.unitId), unit.id]),
  ];
  // 负责人: those who answer for each task now, as the digest names them (not someone who has left).
  // The last 督办 that reached each chat and what was handed in since (shown on the days after, too).
  const lastUrgesRead = lastUrges(db, unitIds);
  // Each 逾期 row's: the last 督办 that may have been about its task (the village's, or the task's own).
  const rowUrgesRead = lastUrgesOfTasks(
    db,
    overdue.map((o) => ({ unitId: o.unitId, taskId: o.taskId })),
  ).then((l) => overdue.map((o) => urgeOfTask(l.get(`${o.unitId}:${o.taskId}`), o)));
  const [urged, owners, lastUrged, rowUrged, readersOf, before] = await Promise.all([
    urgeStates(db, unitIds, urgeDay),
    ownersOfTasks(
      db,
      overdue.map((o) => o.taskId),
    ),
    lastUrgesRead,
    rowUrgesRead,
    // Who read the last 督办 of the village itself, of each village row and of each 逾期 row it was
    // about (Lark's read receipts; a 督办 once however many rows show it): one short wait for all of
    // them together, not one per row. Units by their id, 逾期 rows by -(their index + 1).
    Promise.all([lastUrgesRead, rowUrgesRead]).then(([l, rows]) =>
      c.deps.urgeReadersOfRows(
        new Map([
          ...[unit.id, ...progress.children.map((ch) => ch.unit.id)].flatMap((id) => {
            const last = l.get(id);
            return last ? [[id, last] as const] : [];
          }),
          ...rows.flatMap((last, i) => (last ? [[-(i + 1), last] as const] : [])),
        ]),
      ),
    ),
    // What that digest compared with: the unit's latest snapshot before its week (the last digest's
    // figures, however long ago), so each child's change is the digest table's, under its label (the
    // card sends the leader here for the whole list when its table is cut).
    snapshotsBefore(
      db,
      isoWeek(digestDay),
      unit.id,
      progress.children.map((ch) => ch.unit.id),
    ),
  ]);
  const readers = readersOf.get(unit.id);
  // Readers nobody registered are named as the 督办's chats know them (Lark's member lists, a short wait).
  const names = await c.deps.chatMemberNames([
    ...[...owners.values()].flat().map((openId) => ({ openId })),
    ...[...lastUrged.values()].flatMap((l) => (l.by && !l.byLabel ? [{ openId: l.by }] : [])),
    ...readersInChats(readers, lastUrged.get(unit.id)),
  ]);
  const mayUrge = (path: string) => holdsRole(c.viewer, path, URGE_ROLES);
  const canUrgeHere = mayUrge(unit.path);
  const k = progress.counts;
  const overduePager = listPager('overdue', {
    first: (overduePage - 1) * OVERDUE_PAGE + 1,
    shown: overdue.length,
    total: k.overdue,
    firstUrl: listPageUrl(c, unit.id, 'overdue_page'),
    nextUrl: listPageUrl(c, unit.id, 'overdue_page', String(overduePage + 1)),
  });
  // Ranked as the digest ranks them (its 最好 first, its 最差 last), listed in that order.
  const ranked = [...progress.children].sort((a, b) =>
    byRank({ name: a.unit.name, ...a.counts }, { name: b.unit.name, ...b.counts }),
  );
  const rank = new Map(ranked.map((ch, i) => [ch.unit.id, i + 1]));

  const body = html`${crumbsHtml}
    <h1>${unit.name} <span class="muted">${unitKindLabel(unit)}</span></h1>
    <p>
      <a href="/units/${unit.id}/chronicle" id="link-chronicle">大事记</a> ·
      <a href="/units/${unit.id}/album" id="link-album">图册</a> ·
      <a href="/search?unit=${unit.id}">在本单位搜索</a>${
        holdsRole(c.viewer, unit.path, EDIT_ROLES)
          ? html` · <a href="${transfersPath(unit.id)}" id="link-transfers">移交包</a>`
          : ''
      }
    </p>
    ${
      progress.retirement
        ? retiredBanner(progress.retirement, now, timeZone)
        : html`<div class="card">
            <div>
              完成率 <b id="percent">${percent(k.percent)}</b>（已齐 ${k.complete}、免交 ${k.waived} / 共
              ${k.total} 项；部分 ${k.partly}，一件没交 ${k.open}）
            </div>
            ${bar(k.percent)}
            <div>
              逾期 <b class="${k.overdue > 0 ? 'bad' : 'ok'}">${k.overdue}</b> 项
              ${unit.kind === 'village' && k.overdue > 0 && canUrgeHere ? urgeButton(c, unit.id, urged.of(unit.id), undefined, later) : ''}
            </div>
            ${lastUrgeNote(lastUrged.get(unit.id), now, timeZone, 'full', names, readers)}
            ${digestFiguresLine(trend, period, timeZone, day(now, timeZone))}
          </div>`
    }
    ${due && dueTasks ? dueSection(due.day, day(now, timeZone), dueTasks, (after) => listPageUrl(c, unit.id, 'due_after', after === undefined ? undefined : String(after))) : ''}
    ${
      trend.length > 0
        ? html`<h2>每周完成率</h2>
            <div class="card">${trendSvg(trend, timeZone, day(now, timeZone))}</div>`
        : html`<h2>每周完成率</h2>
            <div class="card muted">还没有周报快照（每周周报发出时记录一次）。</div>`
    }
    ${ranked.length > 0 ? childrenTable(c, unit.path, ranked, rank, urged, mayUrge, later, (id) => lastUrgeNote(lastUrged.get(id), now, timeZone, 'row', undefined, readersOf.get(id)), { counts: before?.counts ?? new Map(), label: changeLabelOf(before?.week, digestDay) }, children) : ''}
    ${progress.retired.length > 0 ? retiredChildren(progress.retired, progress.children.length === 0, now, timeZone) : ''}
    ${own.length > 0 ? tasksTable(own, timeZone, now) : ''}
    ${
      // A retired unit (撤并) owes nothing: no 逾期 (its figures are not shown either).
      progress.retirement
        ? ''
        : html`<h2>逾期（<span id="overdue-count">${k.overdue}</span>）</h2>
            ${overduePager.range}
            ${
              overdue.length === 0
                ? html`<div class="card muted">${overduePage > 1 ? '后面没有了。' : '没有逾期的任务。'}</div>`
                : html`<div class="scroll">
                      <table id="overdue">
                        <tr>
                          <th>单位</th>
                          <th>任务</th>
                          <th>缺</th>
                          <th class="hide">负责人</th>
                          <th class="n">逾期</th>
                          <th></th>
                        </tr>
                        ${overdue.map(
                          (o, i) =>
                            html`<tr>
                              <td><a href="/units/${o.unitId}">${unitNameOf(o)}</a></td>
                              <td>
                                <a href="/tasks/${o.taskId}">${o.code} ${o.title}</a
                                >${o.householdName ? html` <span class="muted">${o.householdName}</span>` : ''}
                              </td>
                              <td>${o.missingText}</td>
                              <td class="hide">
                                ${(owners.get(o.taskId) ?? []).map((r) => personName(names, r)).join('、') || '—'}
                              </td>
                              <td class="n bad">${o.daysOverdue} 天</td>
                              <td>
                                ${mayUrge(o.unitPath) ? urgeButton(c, o.unitId, urged.of(o.unitId, o.taskId), o.taskId, later) : ''}
                                ${lastUrgeNote(rowUrged[i], now, timeZone, 'task-row', undefined, readersOf.get(-(i + 1)))}
                              </td>
                            </tr>`,
                        )}
                      </table>
                    </div>
                    ${overduePager.more}`
            }`
    }
    ${urgesSection(urges, label, day(now, timeZone))}
    ${qualitySection(
      quality,
      timeZone,
      now,
      label,
      period ? unit.id : undefined,
      week === true,
      qualityPages,
      (list, n) =>
        listPageUrl(c, unit.id, `${list}_page`, n === undefined ? undefined : String(n), `q-${list}`),
    )}`;
  page(c.koa, 200, layout(unit.name, c.viewer, body));
}

/** The 逾期 list's page size. */
const OVERDUE_PAGE = 50;

/**
 * The 逾期 list's page `n`. A later page waits for the heading's count of overdue tasks: past the last
 * page (⌈count/50⌉, e.g. an edited link's 9999) it is empty without ranking the subtree's tasks to skip
 * them all (the page says 「后面没有了」). The first page is read beside the count, as before.
 */
async function overdueList(
  db: PageContext['deps']['db'],
  unitId: number,
  now: Date,
  n: number,
  timeZone: string,
  progress: ReturnType<typeof unitProgress>,
): Promise<MissingList> {
  if (n > 1 && (n - 1) * OVERDUE_PAGE >= ((await progress)?.counts.overdue ?? 0))
    return { total: 0, items: [] };
  return missingForUnit(db, unitId, now, { limit: OVERDUE_PAGE, offset: (n - 1) * OVERDUE_PAGE, timeZone });
}

/** `?overdue_page=N` (or a quality list's page; 1 when absent or not a page number). */
function pageNumber(v: unknown): number {
  return typeof v === 'string' && /^[1-9][0-9]{0,3}$/.test(v) ? Number(v) : 1;
}

/**
 * This page (its other query kept: the digest's week, the other lists' pages) with one list's page set
 * (`value`) or back at its first (no `value`), scrolled to that list (`#overdue` for overdue_page,
 * `#due` for due_after, `#q-compressed` for compressed_page as given in `anchor`).
 */
function listPageUrl(
  c: PageContext,
  unitId: number,
  param: string,
  value?: string,
  anchor = param.split('_')[0],
): string {
  const q = new URLSearchParams(c.koa.querystring);
  if (value === undefined) q.delete(param);
  else q.set(param, value);
  return `/units/${unitId}?${q.toString()}#${anchor}`;
}

/**
 * A retired unit's page (撤并): what happened and where its work went, instead of figures (its tasks were
 * waived: 100% would read as finished). Its archive stays below: items, 档号, 大事记, 图册, search.
 */
function retiredBanner(r: Retirement, now: Date, tz: string): Html {
  const day = plainDate(r.at, now, tz);
  return html`<div class="card" id="retired">
    <b
      >${r.into ? html`已撤并（${day}）并入 <a href="/units/${r.into.id}">${r.into.name}</a>` : `已撤销（${day}）`}</b
    >
    <div class="muted">不再提醒、督办和统计进度；已交的材料和档号都保留，可以查阅和搜索。</div>
  </div>`;
}

/**
 * The retired children (撤并) on one line under the ranked ones, each linking to its page: left out of
 * the figures and the ranking (their tasks were waived; ranked, a merged village read as one that
 * finished). `heading` when no active child has put up 下级单位.
 */
function retiredChildren(retired: UnitProgress['retired'], heading: boolean, now: Date, tz: string): Html {
  return html`${heading ? html`<h2>下级单位</h2>` : ''}
    <p class="muted" id="retired-children">
      已撤并：${retired.map(
        (r, i) =>
          html`${i > 0 ? '、' : ''}<a href="/units/${r.unit.id}">${r.unit.name}</a
            >（${retirementWords(r, now, tz)}）`,
      )}
    </p>`;
}

function childrenTable(
  c: PageContext,
  parentPath: string,
  children: {
    unit: { id: number; name: string; kind: string };
    counts: { percent: number | null; total: number; complete: number; waived: number; overdue: number };
  }[],
  rank: Map<number, number>,
  urged: UrgeStates,
  mayUrge: (path: string) => boolean,
  later: string | undefined,
  /** 「12月3日督办，之后提交了 2 件；已读 3 人」 under a village urged before. */
  lastUrged: (unitId: number) => Html | string,
  /** The digest's baseline of each child and its label (「较上周」, or 「较上次周报」 after missed weeks). */
  before: { counts: Map<number, { total: number; done: number; overdue: number }>; label: string },
  /** What the units below are called (a township's 村, 社区 or 村（社区）; a county's 乡镇); else 下级单位. */
  word?: string,
): Html {
  // Percentage points since the digest's baseline, rounded as the card rounds them.
  const change = (ch: (typeof children)[number]) =>
    changeText(
      unitRow(
        ch.unit,
        {
          total: ch.counts.total,
          done: ch.counts.complete + ch.counts.waived,
          overdue: ch.counts.overdue,
        },
        before.counts.get(ch.unit.id),
      ).change,
    );
  return html`<h2>${word ? `各${word}` : '下级单位'}</h2>
    <div class="scroll">
      <table id="children">
        <tr>
          <th class="n">排名</th>
          <th>${word ?? '单位'}</th>
          <th>完成率</th>
          <th class="n hide">已齐/共</th>
          <th class="n">${before.label}</th>
          <th class="n">逾期</th>
          <th></th>
        </tr>
        ${children.map(
          (ch) =>
            html`<tr>
              <td class="n">${rank.get(ch.unit.id)}</td>
              <td><a href="/units/${ch.unit.id}">${ch.unit.name}</a>${lastUrged(ch.unit.id)}</td>
              <td>${percent(ch.counts.percent)}${bar(ch.counts.percent)}</td>
              <td class="n hide">${ch.counts.complete + ch.counts.waived}/${ch.counts.total}</td>
              <td class="n chg">${change(ch)}</td>
              <td class="n ${ch.counts.overdue > 0 ? 'bad' : ''}">${ch.counts.overdue}</td>
              <td>
                ${ch.unit.kind === 'village' && ch.counts.overdue > 0 && mayUrge(`${parentPath}${ch.unit.id}/`) ? urgeButton(c, ch.unit.id, urged.of(ch.unit.id), undefined, later) : ''}
              </td>
            </tr>`,
        )}
      </table>
    </div>`;
}

/** 截止 as the cards write it: 「12月3日」, the year only when it is not this one. */
function tasksTable(tasks: Awaited<ReturnType<typeof taskStatuses>>, tz: string, now: Date): Html {
  return html`<h2>任务（${tasks.length}）</h2>
    <div class="scroll">
      <table id="tasks">
        <tr>
          <th>任务</th>
          <th class="n">已交/应交</th>
          <th>状态</th>
          <th>截止</th>
        </tr>
        ${tasks.map(
          (t) =>
            html`<tr>
              <td>
                <a href="/tasks/${t.taskId}">${t.code} ${t.title}</a
                >${t.householdName ? html` <span class="muted">${t.householdName}</span>` : ''}
              </td>
              <td class="n">${t.filed}/${t.minCount}</td>
              <td>${STATE_LABEL[t.state] ?? t.state}</td>
              <td>${plainDate(t.dueAt, now, tz)}</td>
            </tr>`,
        )}
      </table>
    </div>`;
}

type QualityList = 'compressed' | 'undescribed' | 'failed';

/** A county's 30 days may hold hundreds of 督办: the list shows the latest this many. */
const URGES_LISTED = 100;

/**
 * The 督办 of the page's period that reached the villages' chats (village-wide and per task): opened from
 * a digest, the list behind its 「上周督办 N 次（X 个村）」; each with the day, the village, what was urged
 * and who pressed it.
 */
function urgesSection(all: UrgeDone[], label: string, today: string): Html {
  const urged = new Map(all.map((u) => [u.unitId, u.unitName]));
  const urges = all.slice(-URGES_LISTED);
  return html`<h2 id="urges">督办 <span class="muted">${label}</span></h2>
    ${
      urges.length === 0
        ? html`<div class="card muted">这段时间没有督办。</div>`
        : html`<div class="card">
            <b id="urges-sum">共 ${all.length} 次（${urgedUnitsText(urged.size, [...urged.values()])}）</b>
            ${all.length > urges.length ? html`<div class="muted">只列出最近 ${urges.length} 次</div>` : ''}
            <ul>
              ${urges.map(
                (u) =>
                  html`<li>
                    ${plainDay(u.day, today)} <a href="/units/${u.unitId}">${u.unitName}</a>：${
                      u.task
                        ? html`<a href="/tasks/${u.task.id}">#${u.task.code} ${u.task.title}</a>`
                        : '逾期的任务'
                    }${u.byLabel ? html` <span class="muted">${u.byLabel}</span>` : ''}
                  </li>`,
              )}
            </ul>
          </div>`
    }`;
}

/**
 * `periodOf`: the section shows a chosen period (the digest's week): a link back to the last 30 days.
 * Each list shows ten a page, newest first, paged like the 逾期 list (`pageUrl(list, n)`; its first
 * page without `n`): 「第 11—20 项，共 25 项」 and 「还有 5 项，下一页 ›」, so none looks complete.
 */
function qualitySection(
  q: QualityProblems,
  tz: string,
  now: Date,
  label: string,
  periodOf: number | undefined,
  /** The period is a weekly digest's week: the sum is the digest's 质量问题 figure (not of 30 days). */
  digestWeek: boolean,
  pages: Record<QualityList, number>,
  pageUrl: (list: QualityList, n?: number) => string,
): Html {
  const list = (
    title: string,
    name: QualityList,
    x: QualityProblems['compressed'],
    byStatus: Html | string = '',
  ) => {
    const id = `q-${name}`;
    const n = pages[name];
    const { range, more } = listPager(id, {
      first: (n - 1) * QUALITY_PAGE + 1,
      shown: x.items.length,
      total: x.total,
      firstUrl: pageUrl(name),
      nextUrl: pageUrl(name, n + 1),
    });
    return html`<div class="card" id="${id}">
      <b>${title}：${x.total}</b>${byStatus}${range}${
        x.items.length > 0
          ? html`<ul>
              ${x.items.map(
                (i) =>
                  html`<li>
                    ${i.itemId ? html`<a href="/items/${i.itemId}">${i.title}</a>` : i.title}
                    <span class="muted">${i.unitName} ${plainDate(i.at, now, tz)}</span>
                  </li>`,
              )}
            </ul>`
          : n > 1
            ? html`<div class="muted">后面没有了。</div>`
            : ''
      }${more}
    </div>`;
  };
  const f = q.failedDownloads;
  // Named as the weekly digest names them, so its 需重新上传 and 下载失败 are found here.
  const byStatus =
    f.total > 0
      ? html`<div class="muted" id="q-failed-kinds">
          ${STATUS.needs_reupload} <span id="q-needs-reupload">${f.needsReupload}</span> 个，${STATUS.failed}
          <span id="q-download-failed">${f.failed}</span>
          个${f.tooLarge > 0 ? `，${STATUS.too_large} ${f.tooLarge} 个` : ''}
        </div>`
      : '';
  return html`<h2 id="quality">
      质量问题 <span class="muted" id="quality-period">${label}</span>${
        periodOf
          ? html` <a class="muted" href="/units/${periodOf}#quality">看近 ${QUALITY_WINDOW_DAYS} 天</a>`
          : ''
      }
    </h2>
    <p id="quality-sum">
      共
      <b id="quality-total">${q.compressed.total + q.undescribed.total + f.total}</b>
      个（下面三项之和，按现在的状态${digestWeek ? '；周报的「质量问题」是发出时的数，之后补好的不再列出' : ''}）
    </p>
    ${list('照片被压缩（不足 300 万像素）', 'compressed', q.compressed)}
    ${list('照片组缺少说明（事由）', 'undescribed', q.undescribed)}
    ${list('下载失败的材料', 'failed', f, byStatus)}`;
}
