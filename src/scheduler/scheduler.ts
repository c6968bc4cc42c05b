import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { findInstallation } from '../db/repos/installation.js';
import { claimSlot, failSlot, finishSlot, markSlotMissed, renewSlot } from '../db/repos/schedule-runs.js';
import { localDay } from '../domain/working-days.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import type { ScheduledJob } from './jobs.js';
import { latestSlot } from './slots.js';

export interface SchedulerDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
}

export interface SchedulerOptions {
  timeZone: string;
  /** A claim older than this whose run never finished is taken over (default 15 min). */
  leaseMs?: number;
  /** Attempts of a failing slot (default 3). */
  maxAttempts?: number;
  /** Names this process in schedule_runs. */
  instance?: string;
}

export type SlotResult =
  | { job: string; slot: Date; result: 'ran'; outcome: unknown }
  | { job: string; slot: Date; result: 'failed'; error: string }
  | { job: string; slot: Date; result: 'claimed-elsewhere' | 'missed' };

/**
 * Decides which slots run, in the database, so that node-cron firing in every instance, a restart
 * or a double tick run each slot once. `runDue(now)` is the whole contract: it is what the node-cron
 * callback calls (and tests, with a manual clock). For each job it looks at the latest slot at or
 * before `now`: if that slot is today (in the zone) and unclaimed, it claims and runs it — at start
 * this is the catch-up of a slot missed while down; an older unclaimed slot is recorded as
 * missed and skipped with a log line.
 */
export class Scheduler {
  private chain: Promise<unknown> = Promise.resolve();
  /** When this database's install began (slots before it were never missed). */
  private installedAt?: Promise<Date | undefined>;
  readonly instance: string;

  constructor(
    private readonly deps: SchedulerDeps,
    readonly jobs: readonly ScheduledJob[],
    private readonly opts: SchedulerOptions,
  ) {
    this.instance = opts.instance ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Runs whatever is due at `now`; calls are serialized within this process. */
  runDue(now: Date = this.deps.clock.now(), reason = 'tick'): Promise<SlotResult[]> {
    const run = this.chain.then(() => this.runDueNow(now, reason));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when nothing is running (shutdown, tests). */
  async idle(): Promise<void> {
    await this.chain;
  }

  private async runDueNow(now: Date, reason: string): Promise<SlotResult[]> {
    const results: SlotResult[] = [];
    for (const job of this.jobs) {
      try {
        results.push(await this.runJob(job, now, reason));
      } catch (err) {
        // The claim itself failed (database down): the next tick tries again.
        this.deps.logger.error({ job: job.name, err }, 'schedule tick failed');
      }
    }
    return results;
  }

  private async runJob(job: ScheduledJob, now: Date, reason: string): Promise<SlotResult> {
    const { db, logger } = this.deps;
    const { timeZone } = this.opts;
    const { slot, day } = latestSlot(job, now, timeZone);
    const base = { job: job.name, slot, instance: this.instance, now };
    const log = logger.child({ job: job.name, slot: slot.toISOString() });
    if (day !== localDay(now, timeZone)) {
      if (await markSlotMissed(db, base)) {
        this.installedAt ??= findInstallation(db).then(
          (i) => i?.installedAt,
          () => undefined,
        );
        const installedAt = await this.installedAt;
        // A brand-new install has no process that was down: its earlier slots are simply not its own.
        if (installedAt && slot < installedAt)
          log.debug({ day, reason }, 'slot before this install; skipped');
        else log.warn({ day, reason }, 'scheduled run was missed (process down); skipped, not caught up');
      }
      return { job: job.name, slot, result: 'missed' };
    }
    const leaseMs = this.opts.leaseMs ?? 15 * 60_000;
    const attempt = await claimSlot(db, { ...base, leaseMs, maxAttempts: this.opts.maxAttempts ?? 3 });
    if (attempt === undefined) {
      log.debug({ reason }, 'slot already claimed (by this or another instance)');
      return { job: job.name, slot, result: 'claimed-elsewhere' };
    }
    // A province-wide run may outlast the lease: renew it while the run is alive.
    const heartbeat = setInterval(() => {
      renewSlot(db, { ...base, now: this.deps.clock.now() }).catch((err) =>
        log.warn({ err }, 'could not renew the schedule claim'),
      );
    }, leaseMs / 3);
    heartbeat.unref();
    const lateMs = now.getTime() - slot.getTime();
    if (lateMs > 60_000)
      log.info({ reason, lateMinutes: Math.round(lateMs / 60_000), attempt }, 'catching up');
    try {
      const outcome = await job.run({ slot, day, now, log });
      await finishSlot(db, { ...base, now: this.deps.clock.now(), outcome });
      log.info({ outcome, attempt }, 'scheduled run done');
      return { job: job.name, slot, result: 'ran', outcome };
    } catch (err) {
      const error = errorMessage(err);
      await failSlot(db, { ...base, now: this.deps.clock.now(), error }).catch(() => {});
      log.error({ err: error, attempt }, 'scheduled run failed; the next tick retries it');
      return { job: job.name, slot, result: 'failed', error };
    } finally {
      clearInterval(heartbeat);
    }
  }
}
