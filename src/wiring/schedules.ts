import type { JobType } from '../domain/job-type.js';
import { SCHEDULED_SEND_JOB } from '../domain/job-types.js';
import { closeDeadSend } from '../db/repos/schedule-sends.js';
import type { CountyHolidays } from '../domain/holiday-file.js';
import { createWorkingCalendar, type WorkingCalendar } from '../domain/working-days.js';
import { jobHandler, type Feature } from '../usecases/feature.js';
import { unitDetailAction } from '../usecases/unit-detail-action.js';
import { urgeCardAction } from '../usecases/urge-card-action.js';
import { urgeNow } from '../usecases/urge-now.js';
import type { FeatureEnv } from './feature-env.js';
import { URGE_ROUTES, type PageRoute } from '../http/page-routes.js';
import type { Logger } from '../logger.js';
import type { BotDeps } from '../usecases/deps.js';
import { startCronTimers } from '../scheduler/cron-timers.js';
import { deliverScheduled } from '../scheduler/deliver-scheduled.js';
import { scheduledJobs } from '../scheduler/jobs.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { ScheduleSettings } from '../scheduler/schedule-settings.js';
import { tellUrgeUndelivered } from '../usecases/urge-undelivered.js';

/**
 * Reminders, escalations, weekly digests and the weekly four-properties check (issue 5): node-cron
 * timers in every instance, slots and sends claimed in the database, deliveries through the job
 * queue, and the pages' 督办 (a reminder sent now). At start it catches up today's slots that were
 * missed while the process was down.
 */
export function schedulesFeature(env: FeatureEnv): Feature<PageRoute> {
  const { deps } = env;
  const cfg = env.config.schedules;
  const settings = env.settings.schedules;
  const calendar = workingCalendar(deps.logger, env.settings.holidays);
  const scheduler = schedulerFor(deps, settings, {
    calendar,
    wakeJobs: env.wakeJobs,
    hasJobHandler: env.handlesJob,
    publicUrl: env.config.web.publicUrl,
    archiveOff: env.settings.archive ? undefined : (env.settings.archiveProblem ?? 'archive.yaml not loaded'),
  });
  return {
    name: 'schedules',
    // 查看全部 / a unit's button on reminders and digests without web pages (sent by the notify job);
    // 督办 on a leader's escalation (with or without web pages).
    cardActions: [
      unitDetailAction({ timeZone: settings.timeZone, wakeJobs: env.wakeJobs }),
      urgeCardAction({
        urge: urgeWith(deps, settings, {
          calendar,
          publicUrl: env.config.web.publicUrl,
          wakeJobs: env.wakeJobs,
        }),
        timeZone: settings.timeZone,
        quietHours: settings.quietHours,
      }),
    ],
    routes: URGE_ROUTES,
    jobs: [
      jobHandler({
        type: SCHEDULED_SEND_JOB,
        handle: async (payload, log, attempt) => {
          const outcome = await deliverScheduled(
            deps,
            payload.sendId,
            {
              timeZone: settings.timeZone,
              quietHours: settings.quietHours,
              wake: env.wakeJobs,
              lastAttempt: attempt.attempts >= attempt.maxAttempts,
              appId: env.config.lark.appId,
            },
            log,
          );
          deps.metrics.inc(
            'scheduled_messages_total',
            { outcome },
            1,
            'Scheduled messages (reminders, digests) by outcome',
          );
          // A 督办 that will not arrive: whoever pressed it hears so (a reminder's is in the log).
          if (
            (outcome === 'refused' || outcome === 'failed' || outcome === 'unconfirmed') &&
            (await tellUrgeUndelivered(deps, payload.sendId))
          )
            env.wakeJobs();
        },
        // Its process died on the last attempt: the send is closed as failed (「督办未送达」, and a
        // press sends it again) instead of pending for good; `jobs retry` reopens it.
        onDead: async (payload, log) => {
          if (await closeDeadSend(deps.db, payload.sendId)) {
            log.error(
              { sendId: payload.sendId },
              'scheduled message not sent: its process died on the last attempt',
            );
            if (await tellUrgeUndelivered(deps, payload.sendId)) env.wakeJobs();
          }
        },
      }),
    ],
    services: cfg.enabled
      ? [
          {
            name: 'schedules',
            start: () => {
              const stopTimers = startCronTimers(scheduler.jobs, {
                timeZone: settings.timeZone,
                logger: deps.logger,
                tick: (reason) => scheduler.runDue(deps.clock.now(), reason),
              });
              // Catch-up: today's slots that passed while the process was down run once now.
              void scheduler.runDue(deps.clock.now(), 'start');
              return async () => {
                await stopTimers();
                await scheduler.idle();
              };
            },
            idle: () => scheduler.idle(),
          },
        ]
      : [],
  };
}

/** The bot's scheduler over its database and clock (tests build one to call runDue directly). */
export function schedulerFor(
  deps: Pick<BotDeps, 'db' | 'clock' | 'logger'>,
  settings: ScheduleSettings,
  o: {
    calendar?: WorkingCalendar;
    /** The county's holidays.yaml, for the calendar built when `calendar` is not given. */
    holidays?: CountyHolidays;
    wakeJobs?: () => void;
    hasJobHandler?: (type: JobType<unknown>) => boolean;
    instance?: string;
    publicUrl?: string;
    /** Why the archive settings are not loaded, when they are not (the 四性 check is not queued). */
    archiveOff?: string;
  } = {},
): Scheduler {
  const jobs = scheduledJobs({
    db: deps.db,
    settings,
    calendar: o.calendar ?? workingCalendar(deps.logger, o.holidays),
    wakeJobs: o.wakeJobs ?? (() => {}),
    hasJobHandler: o.hasJobHandler ?? (() => false),
    publicUrl: o.publicUrl,
    archiveOff: o.archiveOff,
  });
  return new Scheduler(deps, jobs, { timeZone: settings.timeZone, instance: o.instance });
}

/** 督办 now (`urgeNow`) with the schedules' settings: the pages' POST /urge and the escalation card's button. */
export function urgeWith(
  deps: Pick<BotDeps, 'db' | 'clock'>,
  settings: ScheduleSettings,
  o: { calendar: WorkingCalendar; publicUrl?: string; wakeJobs: () => void },
): (input: Parameters<typeof urgeNow>[2]) => ReturnType<typeof urgeNow> {
  return (input) =>
    urgeNow(
      { db: deps.db, clock: deps.clock, wakeJobs: o.wakeJobs },
      {
        reminders: { timeZone: settings.timeZone, ...settings.reminders, publicUrl: o.publicUrl },
        calendar: o.calendar,
        perSecond: settings.sending.perSecond,
        quietHours: settings.quietHours,
      },
      input,
    );
}

/** The working-day calendar: holidays.yaml's years, then chinese-days, then the statutory guess. */
export function workingCalendar(logger: Logger, county?: CountyHolidays): WorkingCalendar {
  return createWorkingCalendar({
    county,
    onUnknownYear: (year) =>
      logger.warn(
        { year },
        'neither holidays.yaml nor the holiday table covers this year; assuming Monday–Friday working days without the statutory holidays',
      ),
  });
}
