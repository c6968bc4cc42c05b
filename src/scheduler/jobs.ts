import type { JobType } from '../domain/job-type.js';
import { FILING_CARD_AGAIN_JOB, FOUR_PROPERTIES_JOB } from '../domain/job-types.js';
import { cardAgainUuid } from '../usecases/filing-card-again.js';
import type { Db } from '../db/client.js';
import { enqueueJob } from '../db/repos/jobs.js';
import { saveSnapshots } from '../db/repos/digest-snapshots.js';
import { claimSends } from '../db/repos/schedule-sends.js';
import { weekRunDone } from '../db/repos/schedule-runs.js';
import { findInstallation } from '../db/repos/installation.js';
import { addDays, isoWeek, weekMonday, zonedInstant, type WorkingCalendar } from '../domain/working-days.js';
import type { Logger } from '../logger.js';
import { buildDigests, digestSnapshotRows } from '../usecases/build-digest.js';
import { buildReminders } from '../usecases/build-reminders.js';
import type { ScheduleSettings } from './schedule-settings.js';
import type { JobTiming } from './slots.js';

/** One run of a job for one slot (the scheduler has claimed it). */
export interface JobRun {
  slot: Date;
  /** The slot's local day, 'YYYY-MM-DD'. */
  day: string;
  now: Date;
  log: Logger;
}

/** A job as data: its name (the claim key), when it fires, and what a run does. */
export interface ScheduledJob extends JobTiming {
  name: string;
  run(r: JobRun): Promise<Record<string, unknown>>;
}

export interface ScheduleContext {
  db: Db;
  settings: ScheduleSettings;
  calendar: WorkingCalendar;
  /** Wakes the job worker after sends are enqueued. */
  wakeJobs: () => void;
  /** Whether some feature handles a job kind (the four-properties check is another feature's). */
  hasJobHandler: (type: JobType<unknown>) => boolean;
  /** PUBLIC_URL: reminders and digests link to the web pages. */
  publicUrl?: string;
  /**
   * Why archive.yaml is not loaded, when it is not: the 四性 check needs its rules, so the weekly run
   * is skipped (a queued job would only go dead and alert every week on a bot that files but does
   * not archive yet); the doctor and the start-up log already say the file is missing.
   */
  archiveOff?: string;
}

const WEEKLY_DIGEST = 'weekly-digest';

/** Every scheduled job of the bot. Times and thresholds come from config/schedules.yaml. */
export function scheduledJobs(ctx: ScheduleContext): ScheduledJob[] {
  const s = ctx.settings;
  return [
    { name: 'daily-reminders', time: s.reminders.time, run: (r) => runReminders(ctx, r) },
    // Fires daily; sends on the week's digest day (the configured weekday, or the next working day), or
    // the first day after it that it runs.
    { name: WEEKLY_DIGEST, time: s.digest.time, run: (r) => runDigests(ctx, r) },
    {
      name: 'four-properties-check',
      time: s.fourPropertiesCheck.time,
      weekdays: [s.fourPropertiesCheck.weekday],
      run: (r) => enqueueFourPropertiesCheck(ctx, r),
    },
  ];
}

async function runReminders(ctx: ScheduleContext, r: JobRun): Promise<Record<string, unknown>> {
  if (!ctx.calendar.isWorkingDay(r.day)) {
    return {
      skipped: `not a working day${ctx.calendar.dayName(r.day) ? ` (${ctx.calendar.dayName(r.day)})` : ''}`,
    };
  }
  const s = ctx.settings;
  const sends = await buildReminders(
    ctx.db,
    r.slot,
    {
      timeZone: s.timeZone,
      ...s.reminders,
      publicUrl: ctx.publicUrl,
      cardsAgain: ctx.hasJobHandler(FILING_CARD_AGAIN_JOB),
    },
    ctx.calendar,
  );
  const claimed = await claimSends(ctx.db, sends, {
    now: r.now,
    startAt: r.now,
    perSecond: s.sending.perSecond,
  });
  // The cards named by a reminder go out with it (one per burst and day, whatever the retries).
  let cardsAgain = 0;
  for (const burstId of sends.flatMap((x) => x.cardsAgain ?? [])) {
    const occasion = `reminder:${r.day}`;
    if (
      await enqueueJob(
        ctx.db,
        {
          type: FILING_CARD_AGAIN_JOB,
          key: `${burstId}:${occasion}`,
          payload: { burstId, reason: 'reminder', uuid: cardAgainUuid(burstId, occasion) },
          runAt: r.now,
          maxAttempts: 5,
        },
        r.now,
      )
    )
      cardsAgain++;
  }
  if (claimed > 0 || cardsAgain > 0) ctx.wakeJobs();
  return {
    reminders: sends.filter((x) => x.kind === 'reminder').length,
    escalations: sends.filter((x) => x.kind === 'escalation').length,
    unforwarded: sends.filter((x) => x.kind === 'unforwarded').length,
    claimed,
    cardsAgain,
  };
}

/** The week's digest day: the first working day from the configured weekday on, in that ISO week. */
export function digestDay(day: string, weekday: number, calendar: WorkingCalendar): string | undefined {
  const monday = weekMonday(day);
  for (let i = weekday - 1; i < 7; i++) {
    const d = addDays(monday, i);
    if (calendar.isWorkingDay(d)) return d;
  }
  return undefined;
}

/**
 * The week's digests go out on the first run on or after its digest day, in that week: a bot down on
 * the digest day sends them the next day it runs (the scheduler catches up only today's slot). Once
 * a run has done the week (its outcome names it), later runs that week skip; the sends are claimed
 * under (digest, target, week) besides, so two instances, or a retry, send each once. A week without
 * a digest (no working day from the weekday on, or the bot down to its end) is reported by the next
 * digest, which covers every week since the last one that went out (build-digest.ts).
 */
async function runDigests(ctx: ScheduleContext, r: JobRun): Promise<Record<string, unknown>> {
  const s = ctx.settings;
  const due = digestDay(r.day, s.digest.weekday, ctx.calendar);
  if (due === undefined) return { skipped: 'no working day from the digest weekday on this week' };
  if (r.day < due) return { skipped: `digest day is ${due}` };
  const week = isoWeek(r.day);
  if (await weekRunDone(ctx.db, WEEKLY_DIGEST, week)) return { skipped: `digest of ${week} already done` };
  if (due !== r.day) {
    // A bot installed after this week's digest day missed nothing: its first digest is next week's.
    const installedAt = (await findInstallation(ctx.db))?.installedAt;
    if (installedAt && zonedInstant(due, s.digest.time, s.timeZone) < installedAt)
      return { skipped: `digest day ${due} was before this install` };
    r.log.info({ week, due }, 'digest day was missed; sending the week’s digests now');
  }
  const sends = await buildDigests(ctx.db, r.slot, {
    timeZone: s.timeZone,
    ...s.digest,
    publicUrl: ctx.publicUrl,
  });
  // What the digests showed becomes the next digest's "before" (较上周, or 较上次周报).
  const snapshots = await saveSnapshots(
    ctx.db,
    week,
    digestSnapshotRows(sends.map((x) => x.figures)),
    r.slot,
  );
  const claimed = await claimSends(ctx.db, sends, {
    now: r.now,
    startAt: r.now,
    perSecond: s.sending.perSecond,
  });
  if (claimed > 0) ctx.wakeJobs();
  return { week, snapshots, digests: sends.length, claimed };
}

async function enqueueFourPropertiesCheck(ctx: ScheduleContext, r: JobRun): Promise<Record<string, unknown>> {
  if (!ctx.hasJobHandler(FOUR_PROPERTIES_JOB)) {
    r.log.warn('no four-properties-check handler is installed; not enqueued');
    return { skipped: 'no handler' };
  }
  if (ctx.archiveOff !== undefined) {
    r.log.warn({ reason: ctx.archiveOff }, 'archive settings not loaded; four-properties check not enqueued');
    return { skipped: 'archive settings not loaded' };
  }
  const week = isoWeek(r.day);
  const queued = await enqueueJob(
    ctx.db,
    { type: FOUR_PROPERTIES_JOB, key: week, payload: { week }, runAt: r.now, maxAttempts: 3 },
    r.now,
  );
  if (queued) ctx.wakeJobs();
  return { week, queued };
}
