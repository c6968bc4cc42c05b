import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';
import type { ScheduledJob } from './jobs.js';
import { cronExpression } from './slots.js';

/** A tick every few minutes re-runs `runDue`: it catches slots node-cron skipped and retries failed ones. */
const SAFETY_CRON = '0 */5 * * * *';

/**
 * The node-cron adapter (the only importer of node-cron). Timers only trigger: each fire calls
 * `tick()`, which decides in the database what runs (Scheduler.runDue). node-cron fires in every
 * instance and skips slots missed while the event loop was blocked; the claim makes the first
 * harmless and the safety tick repairs the second. Its own run coordinator is not used: the same
 * claim must also guard the catch-up at start and the safety tick, which node-cron does not drive.
 */
export function startCronTimers(
  jobs: readonly ScheduledJob[],
  opts: { timeZone: string; logger: Logger; tick: (reason: string) => Promise<unknown> },
): () => Promise<void> {
  const log = opts.logger;
  const cronLogger = {
    info: (m: string) => log.debug({ source: 'node-cron' }, m),
    warn: (m: string) => log.warn({ source: 'node-cron' }, m),
    error: (m: string | Error, err?: Error) =>
      log.error({ source: 'node-cron', err: err ?? m }, 'node-cron error'),
    debug: (m: string | Error) => log.debug({ source: 'node-cron' }, String(m)),
  };
  const fire = (reason: string) => () =>
    opts.tick(reason).catch((err) => log.error({ reason, err }, 'schedule tick failed'));
  const tasks: ScheduledTask[] = [
    ...jobs.map((job) => {
      const task = cron.createTask(cronExpression(job), fire(`cron:${job.name}`), {
        name: `archive-bot:${job.name}`,
        timezone: opts.timeZone,
        noOverlap: true,
        unref: true,
        logger: cronLogger,
        suppressMissedWarning: true,
      });
      task.on('execution:missed', (c) => {
        log.warn(
          { job: job.name, slot: c.date.toISOString() },
          'node-cron missed a slot (event loop blocked); ticking now',
        );
        void fire(`missed:${job.name}`)();
      });
      return task;
    }),
    cron.createTask(SAFETY_CRON, fire('safety'), {
      name: 'archive-bot:safety-tick',
      timezone: opts.timeZone,
      noOverlap: true,
      unref: true,
      logger: cronLogger,
    }),
  ];
  for (const t of tasks) void t.start();
  return async () => {
    for (const t of tasks) await t.destroy();
  };
}
