import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type Koa from 'koa';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openDb, type Database } from './db/client.js';
import { fitPool } from './db/fit-pool.js';
import { holdsPgliteArchive, migrate, upgradedDatabaseText } from './db/migrate.js';
import { appliedMigrations } from './db/migration-state.js';
import {
  filesWithoutDatabasePlace,
  refuseEmptyDatabaseBesideFiles,
  refuseNewDatabaseBesideFiles,
} from './db/files-without-database.js';
import { refuseMovedAway } from './db/pglite-moved.js';
import { insertInboundEvent } from './db/repos/inbound-events.js';
import { storableValue } from './domain/storable-text.js';
import { ensureInstallation } from './db/repos/installation.js';
import { databasePacingSlots } from './db/repos/lark-pacing.js';
import { checkNoUnfinishedRestore } from './data-dir-check.js';
import {
  AppError,
  errorMessage,
  isDatabaseReason,
  LarkApiError,
  PermanentError,
  resourceProblem,
} from './errors.js';
import { larkUnreachableText } from './domain/lark-unreachable-text.js';
import { larkWebhookRoute } from './http/lark-webhook-route.js';
import { createLarkGateway } from './lark/create-gateway.js';
import { inboundFromEnvelope, type InboundLarkEvent } from './lark/event-envelope.js';
import { envelopeFromApiMessage, mapLarkEvent } from './lark/event-mapper.js';
import { handleWebhookRequest } from './lark/webhook-intake.js';
import { webSignInNote } from './domain/web-sign-in-note.js';
import { webSignInSettings } from './web-sign-in-settings.js';
import { readinessDetail } from './domain/resource-wait-text.js';
import { startWsIntake, type WsIntake } from './lark/ws-intake.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { registerBuildInfo } from './ops/build-info.js';
import type { ChatGateway } from './ports/chat-gateway.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { BotDeps } from './usecases/deps.js';
import { composeFeatures, type ComposedFeatures } from './usecases/feature-registry.js';
import { jobHandler } from './usecases/feature.js';
import { CARD_ACTION_JOB } from './domain/job-types.js';
import { ChatActivity } from './usecases/chat-activity.js';
import { processEvent } from './usecases/process-event.js';
import { recordInboundEvent } from './usecases/record-inbound-event.js';
import { QueueWorker } from './worker/queue-worker.js';
import { Readiness } from './readiness.js';
import { timeLimited } from './time-limit.js';
import { identityText, selfIdentity } from './process-identity.js';
import type { ResourceReason } from './errors.js';
import { loadFileSettings, type FileSettings } from './settings.js';
import { openBlobStore } from './storage/open-blob-store.js';
import type { BlobStore } from './ports/blob-store.js';
import { installPages } from './wiring/pages.js';
import { registerQueueMetrics } from './wiring/queue-metrics.js';
import { allFeatures, type FeatureModule } from './features.js';
import type { FeatureEnv } from './wiring/feature-env.js';
import { every } from './wiring/interval.js';
import { OPS_ALERTS_TIMER } from './wiring/ops-alerts.js';
import { readBackupStatus } from './ops/backup-status.js';

export interface BotOverrides {
  /** schedules.yaml and archive.yaml, already loaded (main.ts); otherwise read from config's paths. */
  settings?: FileSettings;
  /** An already migrated database (tests); otherwise opened from config and migrated. */
  database?: Database;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /** Where the logger created from config writes (default stdout); tests capture every line. */
  logDestination?: NodeJS.WritableStream;
  /** Worker poll interval (tests use short ones). */
  pollMs?: number;
  /** The capabilities to run (default: all of them); a test may start the bot with a subset. */
  features?: readonly FeatureModule[];
}

export interface RunningBot {
  config: Config;
  settings: FileSettings;
  database: Database;
  gateway: ChatGateway;
  blobs: BlobStore;
  deps: BotDeps;
  metrics: Metrics;
  logger: Logger;
  app: Koa;
  server: Server;
  /** http://host:port the app listens on. */
  url: string;
  eventWorker: QueueWorker;
  jobWorker: QueueWorker;
  /** Work paused for a missing resource (what `/readyz` reports). */
  readiness: Readiness;
  ws?: WsIntake;
  /** What the running features declared (jobs, card actions, commands, timers). */
  features: ComposedFeatures;
  /** One round of a declared timer, now (the timer itself runs it every `everyMs`). */
  runTimer(name: string): Promise<unknown>;
  /** One round of the operations alerts (the timer runs it every ALERT_CHECK_MINUTES). */
  checkAlerts(): Promise<unknown>;
  /** Resolves when the features' services (the scheduler) have nothing in flight. */
  servicesIdle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wires the whole bot: the one place (with main.ts, which adds env and signals) that opens the
 * database, the Lark client, the HTTP server and the workers. Tests call it with the fake Lark.
 */
export async function startBot(config: Config, o: BotOverrides = {}): Promise<RunningBot> {
  // Before anything opens: a restore that did not finish (main.ts says so first, exit 2), a bad value
  // (naming its file and field); nothing is left to stop.
  checkNoUnfinishedRestore(config.dataDir);
  // The archive moved to PostgreSQL and DATABASE_URL not set: not a new, empty embedded database.
  if (!config.databaseUrl && !o.database) refuseMovedAway(config.dataDir, config.envFiles);
  const settings = o.settings ?? loadFileSettings(config);
  const logger =
    o.logger ??
    createLogger(config.logLevel, o.logDestination, {
      secrets: [
        config.lark.appSecret,
        config.lark.encryptKey,
        config.lark.verificationToken,
        config.web.sessionSecret,
        config.blobStore.kind === 's3' ? config.blobStore.secretAccessKey : undefined,
      ],
    });
  for (const warning of [...(config.warnings ?? []), ...settings.warnings]) logger.warn(warning);
  if (!config.web.publicUrl) logger.info(webSignInNote(webSignInSettings(config)));
  const metrics = o.metrics ?? new Metrics();
  metrics.logTo(logger);
  registerBuildInfo(metrics);
  const clock = o.clock ?? systemClock;
  // A bucket that refuses us, is missing or does not answer stops the start (one sentence) before
  // anything is opened.
  const store = await openBlobStore(config, { minFreeBytes: config.capture.minFreeDiskBytes });
  await store.check();
  const ownsDb = !o.database;
  // An archive's originals in the store and a database that is new or holds no material: refused before
  // the database is created or set up (README: moving to a new machine).
  const beside = filesWithoutDatabasePlace(config);
  if (ownsDb && !config.databaseUrl && !holdsPgliteArchive(config.dataDir))
    await refuseNewDatabaseBesideFiles(store.blobs, beside);
  const openOwn = (maxConnections: number) =>
    openDb({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      statementTimeoutMs: config.statementTimeoutMs,
      maxConnections,
      user: 'bot',
      envFiles: config.envFiles,
    });
  let database = o.database ?? (await openOwn(config.databasePoolSize));
  const cleanup: (() => Promise<void>)[] = [];
  try {
    if (ownsDb) {
      cleanup.push(() => database.close());
      // An empty PostgreSQL beside DATA_DIR/pglite is migrate's own refusal (pglite_left_behind).
      if (
        database.kind === 'postgres' &&
        !holdsPgliteArchive(config.dataDir) &&
        (
          await appliedMigrations(database.db).catch((err: { cause?: unknown }) =>
            Promise.reject(err.cause ?? err),
          )
        ).count === 0
      )
        await refuseNewDatabaseBesideFiles(store.blobs, beside);
      const migrated = await migrate(database, config.databaseUrl, config.dataDir);
      // An upgrade's start said nothing of what it did to the database: the operator checking the log
      // afterwards learns that the older program can no longer open it (only the backup goes back).
      if (migrated && migrated.from > 0)
        logger.info(
          {
            ...migrated,
            advice: upgradedDatabaseText(migrated),
          },
          'database migrated',
        );
      await refuseEmptyDatabaseBesideFiles(database.db, store.blobs, beside);
      database = await fitPool(database, openOwn, logger);
    }
    const install = await ensureInstallation(database.db, clock.now());
    const { gateway, lastRefusal, credentialsRefused } = createLarkGateway(config, {
      logger,
      metrics,
      clock,
      installId: install.installId,
      // On PostgreSQL several instances may share the database: Lark's limits are kept there for all.
      ...(database.kind === 'postgres' ? { pacingSlots: databasePacingSlots(database.db) } : {}),
    });
    const botOpenId = await checkCredentials(gateway, logger, config.lark.domain);
    const deps: BotDeps = {
      db: database.db,
      gateway,
      clock,
      logger,
      metrics,
      pageUrl: config.web.publicUrl ? (path) => `${config.web.publicUrl}${path}` : undefined,
      timeZone: config.timeZone,
      botOpenId: async () => botOpenId ?? (await gateway.getBotInfo().catch(() => undefined))?.openId,
    };
    // host:pid:start:random — a row held by a process that is gone is reclaimed at once (sweep).
    const workerId = `${identityText(selfIdentity())}:${randomBytes(3).toString('hex')}`;
    const blobs = store.blobs;
    // Work waiting for a resource (disk, store, database) is reported here and re-checked by probes.
    const readiness = new Readiness(() => clock.now());
    const probe = async (reason: ResourceReason): Promise<boolean> =>
      isDatabaseReason(reason)
        ? database.db.execute(sql`select 1`).then(
            () => true,
            () => false,
          )
        : blobs.ensureWritable().then(
            () => true,
            () => false,
          );
    const waiting = {
      readiness,
      probe,
      recheckMaxMs: config.worker.recheckMaxMs,
    };
    // Features are declared before the workers and the long connection exist; they reach them
    // through these holders, and ask the composed declarations what other features declared.
    const workers: { jobs?: QueueWorker; events?: QueueWorker } = {};
    const late: { ws?: WsIntake; features?: ComposedFeatures } = {};
    const env: FeatureEnv = {
      config,
      settings,
      deps,
      blobs,
      readiness,
      wakeJobs: () => workers.jobs?.wake(),
      recordReconciled: (item, chatType) =>
        recordInboundEvent(
          { db: database.db, clock, metrics, onRecorded: () => workers.events?.wake() },
          {
            ...inboundFromEnvelope(envelopeFromApiMessage(item, chatType, config.lark.appId), 'reconcile'),
          },
        ),
      burstPresenter: () => late.features?.presentBurst,
      commands: () => late.features?.commands.commands ?? [],
      handlesJob: (type) => late.features?.jobs.has(type.name) ?? false,
      lastLarkRefusal: lastRefusal,
      wsLastActivityAt: () => late.ws?.lastActivityAt(),
    };
    const features = composeFeatures([
      ...(o.features ?? allFeatures).map((declare) => declare(env)),
      // Built in: clicks that overran their answer deadline, or failed for a moment, are finished by a job.
      {
        name: 'card-callbacks',
        jobs: [
          jobHandler({
            type: CARD_ACTION_JOB,
            handle: (payload, log, attempt) =>
              late.features!.cards.finish(deps, payload, log, {
                last: attempt.attempts >= attempt.maxAttempts,
              }),
            onDead: (payload, log) => late.features!.cards.died(deps, payload, log),
          }),
        ],
      },
    ]);
    late.features = features;

    // Chat rows are written at most once per chat per minute by this process (usecases/chat-activity.ts).
    const chatActivity = new ChatActivity();
    const eventWorker = new QueueWorker({
      db: database.db,
      table: 'inbound_events',
      clock,
      logger,
      metrics,
      workerId,
      concurrency: config.worker.concurrency,
      maxAttempts: config.worker.maxAttempts,
      leaseSeconds: config.worker.leaseSeconds,
      pollMs: o.pollMs,
      ...waiting,
      handle: (row, log, done) =>
        processEvent(deps, mapLarkEvent(row.payload), log, features.hooks, {
          finishIn: done.finishIn,
          chats: chatActivity,
        }),
    });
    const jobWorker = new QueueWorker({
      db: database.db,
      table: 'jobs',
      clock,
      logger,
      metrics,
      workerId,
      concurrency: config.worker.jobConcurrency,
      maxAttempts: config.worker.maxAttempts,
      leaseSeconds: config.worker.leaseSeconds,
      pollMs: o.pollMs,
      ...waiting,
      handle: async (row, log, done) => {
        const job = features.jobs.get(row.type);
        if (!job) throw new PermanentError('unknown_job', `no handler for job kind ${row.type}`);
        await job.run(row.payload, log, {
          attempts: row.attempts,
          maxAttempts: row.maxAttempts ?? config.worker.maxAttempts,
          finishIn: done.finishIn,
        });
      },
      onDead: async (row, log) => features.jobs.get(row.type)?.dead(row.payload, log),
    });
    workers.jobs = jobWorker;
    workers.events = eventWorker;

    const record = (event: InboundLarkEvent) =>
      recordInboundEvent({ db: database.db, clock, metrics, onRecorded: () => eventWorker.wake() }, event);
    const onCardAction = async (event: InboundLarkEvent): Promise<object> => {
      const mapped = mapLarkEvent(event.payload);
      if (mapped.kind !== 'card_action') return { toast: { type: 'error', content: '无法识别的回调' } };
      // Each callback takes effect once: a replay of Lark's callback (same event id) changes nothing.
      // Recorded storable (jsonb refuses U+0000, which a form's pasted text may hold), as every event is.
      const safe = storableValue(event.payload);
      if (safe.replaced > 0) metrics.inc('text_characters_replaced_total', { where: 'event' }, safe.replaced);
      const first = await insertInboundEvent(
        database.db,
        { ...event, payload: safe.value, source: 'card' },
        clock.now(),
        'done',
      );
      if (!first) {
        metrics.inc('card_actions_total', { action: 'replayed', result: 'refused' });
        return { toast: { type: 'info', content: '这个操作已经处理过了' } };
      }
      return features.cards.handle(deps, mapped.action, {
        callbackId: event.eventId,
        wakeJobs: () => workers.jobs?.wake(),
      });
    };

    let ws: WsIntake | undefined;
    const larkWebhook =
      config.lark.eventMode === 'webhook'
        ? larkWebhookRoute({
            bodyLimitBytes: config.webhook.bodyLimitBytes,
            logger,
            metrics,
            handle: (req) =>
              handleWebhookRequest(
                { lark: config.lark, webhook: config.webhook, clock, metrics, record, onCardAction },
                req,
              ),
          })
        : undefined;
    registerQueueMetrics(metrics, database, clock, config.operations.metricsRefreshSeconds);
    const pages = installPages({
      routes: features.routes,
      config,
      deps,
      blobs,
      schedules: settings.schedules,
      holidays: settings.holidays,
      wakeJobs: () => workers.jobs?.wake(),
    });
    const app = buildApp({
      pages,
      logger,
      metrics,
      larkWebhook,
      metricsToken: config.operations.metricsToken,
      trustProxyHops: config.trustProxyHops,
      ready: async () => {
        const checks: Record<string, boolean | string> = {};
        // A reason code, never the database's own error text (readiness is public).
        checks.database = await timeLimited(database.db.execute(sql`select 1`), 2000, 'readiness query')
          .then(() => true as const)
          .catch((err) => {
            logger.warn({ err }, 'readiness: database check failed');
            return resourceProblem(err)?.reason === 'database_busy'
              ? 'database_busy'
              : 'database_unreachable';
          });
        if (config.lark.eventMode === 'ws') checks.larkConnection = ws?.connected() ?? false;
        // Both modes: with its credentials refused (App Secret reset, app disabled) no reply or download
        // can happen, though pushes still arrive; true again once a call succeeds.
        checks.larkCredentials = credentialsRefused() ? 'lark_refused' : true;
        // Work paused for a missing resource: its reason codes (disk_low, store_unwritable, …).
        const waits = readiness.reasons();
        checks.resources = waits.length === 0 ? true : waits.join(',');
        const ok = Object.values(checks).every((v) => v === true);
        const lastBackup = await lastBackupOf(config.dataDir);
        // What a person reads (curl, doctor): the reasons in Chinese; the codes stay for machines.
        return ok
          ? { ok, checks, ...lastBackup }
          : {
              ok,
              checks,
              detail: readinessDetail(checks, config.blobStore.kind, config.lark.domain),
              ...lastBackup,
            };
      },
    });
    const server = await listen(app, config.port, config.host);
    cleanup.push(() => closeServer(server));
    const addr = server.address() as AddressInfo;
    const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;

    eventWorker.start();
    jobWorker.start();
    // A failed start stops everything it started (cleanup runs in reverse: workers, server, database).
    cleanup.push(async () => {
      eventWorker.pause();
      jobWorker.pause();
      await Promise.all([eventWorker.stop(), jobWorker.stop()]);
    });
    if (config.lark.eventMode === 'ws') {
      const intake = await startWsIntake({
        config: config.lark,
        logger,
        metrics,
        clock,
        onEvent: async (event) => void (await record(event)),
        onCardAction: async (payload) => onCardAction(payload as InboundLarkEvent),
      });
      ws = intake;
      cleanup.push(() => intake.close());
    }
    late.ws = ws;
    const stopFeatures = startFeatures(features, clock, logger);
    cleanup.push(stopFeatures);
    logger.info({ url, mode: config.lark.eventMode, database: database.kind }, 'bot started');

    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      // Claim nothing new first: work interrupted from here on is released, not counted as failed.
      eventWorker.pause();
      jobWorker.pause();
      await stopFeatures();
      await ws?.close().catch(() => {});
      await closeServer(server);
      await Promise.all([eventWorker.stop(), jobWorker.stop()]);
      if (ownsDb) await database.close();
      logger.info('bot stopped');
    };
    return {
      config,
      settings,
      database,
      gateway,
      blobs,
      deps,
      metrics,
      logger,
      app,
      server,
      url,
      eventWorker,
      jobWorker,
      readiness,
      ws,
      features,
      runTimer: (name) => runTimer(features, name),
      checkAlerts: () => runTimer(features, OPS_ALERTS_TIMER),
      servicesIdle: async () => {
        for (const s of features.services) await s.idle?.();
      },
      stop,
    };
  } catch (err) {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    throw err;
  }
}

/**
 * Starts the declared timers (on their clock; `everyMs` 0 is off) and services; returns the stopper
 * (services first, in reverse order, then the timers, each waiting for its round in flight).
 */
function startFeatures(features: ComposedFeatures, clock: Clock, logger: Logger): () => Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  for (const t of features.timers) {
    if (t.everyMs <= 0) continue;
    stops.push(every(t.clock ?? clock, t.everyMs, t.name, logger, t.run));
    if (t.atStart)
      void t.run().catch((err) => logger.error({ task: t.name, err }, 'periodic task failed at start'));
  }
  for (const s of features.services) stops.push(s.start());
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    for (const stop of stops.reverse()) await stop();
  };
}

function runTimer(features: ComposedFeatures, name: string): Promise<unknown> {
  const timer = features.timers.find((t) => t.name === name);
  if (!timer) return Promise.reject(new AppError('unknown_timer', `no timer named ${name} is declared`));
  return timer.run();
}

/** Lark refusing our credentials is a start-up error; an unreachable Lark is only a warning. */
async function checkCredentials(
  gateway: ChatGateway,
  logger: Logger,
  domain: string,
): Promise<string | undefined> {
  try {
    return (await gateway.getBotInfo()).openId;
  } catch (err) {
    if (err instanceof LarkApiError && !err.isRetryable) {
      throw new AppError(
        'lark_credentials_refused',
        `飞书不接受应用凭证（错误码 ${err.larkCode}：${err.message}）：请核对 LARK_APP_ID / LARK_APP_SECRET，并确认应用已启用机器人能力`,
      );
    }
    // The IT person reads this in journalctl: the reason in one line, not the HTTP client's stack.
    logger.warn({ reason: errorMessage(err) }, larkUnreachableText(domain));
    return undefined;
  }
}

function listen(app: Koa, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err) =>
      reject(
        new AppError(
          'listen_failed',
          `无法监听 ${host}:${port}（${err.message}）：请检查 HOST / PORT，或是否已有程序占用这个端口`,
        ),
      ),
    );
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections?.();
  });
}

/** /readyz's `lastBackup`: when the last backup ran, how it ended, and when the last complete one was. */
async function lastBackupOf(dataDir: string) {
  const status = await readBackupStatus(dataDir).catch(() => undefined);
  if (!status) return {};
  return {
    lastBackup: {
      at: status.last.at.toISOString(),
      outcome: status.last.outcome,
      ...(status.lastComplete ? { lastComplete: status.lastComplete.at.toISOString() } : {}),
    },
  };
}
