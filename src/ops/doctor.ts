import { statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import {
  ConfigError,
  configSource,
  configuredTimeZone,
  envFilesOf,
  loadConfig,
  type Config,
  type Env,
} from '../config.js';
import { openDb, queryRows, type Database } from '../db/client.js';
import { databaseConnectFailure } from '../db/connect-failure.js';
import { appliedMigrations, bundledMigrations, compareSchema } from '../db/migration-state.js';
import { holdsPgliteArchive, pgliteLeftBehindText } from '../db/migrate.js';
import { movedAway, movedAwayText, readMovedMarker, withoutPassword } from '../db/pglite-moved.js';
import { pendingAlerts } from '../db/repos/ops-alerts.js';
import { queueStats } from '../db/repos/queue.js';
import type { AlertSend } from '../db/schema/column-types.js';
import { missingHolidaysText } from '../domain/holiday-advice.js';
import { createWorkingCalendar } from '../domain/working-days.js';
import { larkNetworkAdvice } from '../domain/lark-unreachable-text.js';
import { DEFAULT_HOLIDAYS_FILE, holidayFilePlace, loadHolidayFile } from '../holiday-settings.js';
import { AppError, errorMessage, LarkApiError } from '../errors.js';
import { createLarkGateway } from '../lark/create-gateway.js';
import { createLogger } from '../logger.js';
import { loadSharp } from '../media/load-on-first-use.js';
import { Metrics } from '../metrics.js';
import { systemClock } from '../ports/clock.js';
import { ALERT_TITLES } from '../domain/alert-titles.js';
import {
  OPS_ALERT_ADMINS,
  OPS_ALERT_ROUND_CUT_SHORT,
  OPS_ALERTS_UNDELIVERED,
  type AlertKind,
} from '../usecases/ops-alerts.js';
import { APP_VERSION } from '../version.js';
import { botBaseUrl } from './bot-running.js';
import { builtAt } from './build-info.js';
import { botVersionLine, runningBuild } from './doctor-bot-version.js';
import { heldBotLine, heldDatabaseText, liveDataDirHolder } from './doctor-data-dir-holder.js';
import { reportWebhookPushes } from './doctor-pushes.js';
import { queuesFromMetrics, reportQueues } from './doctor-queues.js';
import { isLoopbackHost, webSignInNote } from '../domain/web-sign-in-note.js';
import { webSignInSettings } from '../web-sign-in-settings.js';
import { alertRecipients, alertsLine } from './doctor-alerts.js';
import { readBackupStatus } from './backup-status.js';
import { backupState } from '../domain/backup-status.js';
import { contactScopeLine } from './doctor-contact-scope.js';
import { storedOriginals, type StoredOriginals } from './doctor-stored-originals.js';
import { readRestoreMarker, restoreAgainText, unfinishedRestoreText } from './restore-marker.js';

/** One line of the report: ok, a warning (exit code stays 0) or a problem (exit code 1). */
/** How to back up before migrations run (the embedded database is locked while the bot runs). */
const BACKUP_WHILE_STOPPED = 'npm run cli -- backup --out 新目录；内置数据库要先停止机器人';

export interface DoctorLine {
  status: 'ok' | 'warn' | 'fail';
  label: string;
  detail: string;
}

/** The running bot's own view, when one answers on HOST:PORT (/readyz, /metrics). */
interface RunningBot {
  ready: { ok: boolean; checks: Record<string, boolean | string>; detail?: string };
  /** Undefined: /metrics did not answer with its figures (the HTTP status says why). */
  metrics: Map<string, number> | undefined;
  metricsStatus: number;
}

/**
 * A bot busy with a flood of photos, or stalled, may take seconds to answer: such a wait is not "not
 * running" (the report said 未在运行 and its database line told the operator to stop the process).
 */
const BOT_ANSWER_MS = 10_000;

/** A listener on HOST:PORT that accepted the request but did not answer within BOT_ANSWER_MS. */
const SILENT = 'silent';

async function askRunningBot(config: Config): Promise<RunningBot | typeof SILENT | undefined> {
  const base = botBaseUrl(config);
  if (!base) return undefined;
  try {
    const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(BOT_ANSWER_MS) });
    // With METRICS_TOKEN set, /metrics answers 401 to a request without it: read as no figures, that
    // made every queue 0 and hid the dead rows.
    const token = config.operations.metricsToken;
    const res = await fetch(`${base}/metrics`, {
      signal: AbortSignal.timeout(BOT_ANSWER_MS),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    const metrics = res.ok ? new Map<string, number>() : undefined;
    if (metrics)
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
        if (m) metrics.set(m[1]!, Number(m[2]));
      }
    return { ready: (await ready.json()) as RunningBot['ready'], metrics, metricsStatus: res.status };
  } catch (err) {
    return err instanceof DOMException && err.name === 'TimeoutError' ? SILENT : undefined;
  }
}

/**
 * What an operator needs to know, checked one by one (each check reports its own failure and the
 * others still run): version, configuration, the running bot, database and migrations, Lark
 * credentials, event mode and connection, free disk, queues and dead rows, the last event, and the
 * holiday table for this and next year.
 */
export async function runDoctor(env: Env, now = new Date()): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  const add = (status: DoctorLine['status'], label: string, detail: string) =>
    lines.push({ status, label, detail });
  add('ok', '版本', `归档助手 ${APP_VERSION}，Node.js ${process.version}`);
  // sharp is loaded on first use, not at start: a missing native part would otherwise only show when
  // the first photo's thumbnail job fails.
  try {
    const sharp = await loadSharp();
    add('ok', '图片组件', `sharp ${sharp.versions.sharp}（libvips ${sharp.versions.vips}）可以使用`);
  } catch (err) {
    add(
      'fail',
      '图片组件',
      `sharp 无法加载（${errorMessage(err)}）：照片的缩略图和检查会失败；请在本机重新运行 npm ci`,
    );
  }

  let config: Config | undefined;
  try {
    config = loadConfig(env);
    const warnings = config.warnings ?? [];
    if (warnings.length === 0) add('ok', '配置', '全部有效');
    else add('warn', '配置', warnings.join('\n      '));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    add(
      'fail',
      '配置',
      `有误（${configSource(err.files)}）：\n${err.problems.map((p) => `      - ${p}`).join('\n')}`,
    );
  }
  const dataDir = config?.dataDir ?? env.DATA_DIR ?? './data';
  const databaseUrl = config?.databaseUrl ?? (env.DATABASE_URL || undefined);

  const unfinished = readRestoreMarker(dataDir);
  if (unfinished)
    add(
      'fail',
      '恢复',
      `${unfinishedRestoreText(dataDir, unfinished)}：机器人不会启动，${restoreAgainText(unfinished)}`,
    );

  const answer = config ? await askRunningBot(config) : undefined;
  const bot = answer === SILENT ? undefined : answer;
  // Nothing answers, and a live process holds the embedded database: the bot starting, or a backup
  // (restore, command) during which the bot cannot run. Its lock's record says which.
  const holder = !answer && !databaseUrl ? liveDataDirHolder(dataDir) : undefined;
  if (bot)
    add(
      bot.ready.ok ? 'ok' : 'fail',
      '机器人',
      bot.ready.ok
        ? '正在运行，就绪'
        : `正在运行，但未就绪：${bot.ready.detail ?? JSON.stringify(bot.ready.checks)}`,
    );
  else if (answer === SILENT && config)
    add(
      'fail',
      '机器人',
      `${config.host}:${config.port} 有程序在监听，但 ${BOT_ANSWER_MS / 1000} 秒内没有应答：机器人可能正忙或卡住了。` +
        '过几分钟再运行 doctor；一直这样就看日志（journalctl -u archive-bot）并重启服务（systemctl restart archive-bot）',
    );
  else if (holder && config) lines.push(heldBotLine(holder, `${config.host}:${config.port}`));
  else
    add(
      'fail',
      '机器人',
      config ? `未在运行（${config.host}:${config.port} 无应答）` : '无法判断（配置有误）',
    );
  // An upgrade without a restart: the old program still runs (its /metrics says which it is).
  if (bot?.metrics) {
    const line = botVersionLine(
      bot.metrics,
      { version: APP_VERSION, migrations: bundledMigrations().length, built: builtAt() },
      config?.timeZone ?? configuredTimeZone(env),
    );
    add(line.status, line.label, line.detail);
  }

  const read = await checkDatabase(add, {
    dataDir,
    databaseUrl,
    bot,
    silent: answer === SILENT,
    now,
    envFiles: envFilesOf(env),
    originals: storedOriginals(env, config),
  });
  // Held by the running bot, the database is not read here: the bot counts the admins (OPS_ALERT_ADMINS).
  const admins = read?.admins ?? bot?.metrics?.get(OPS_ALERT_ADMINS);
  // A running bot's last round says what it could not deliver; with none, the database says what is owed.
  if (bot?.metrics?.has(OPS_ALERT_ROUND_CUT_SHORT)) reportAlertRound(add, bot.metrics);
  else if (read) reportOwedAlerts(add, read.owed);
  if (bot?.metrics) reportWebhookPushes(add, bot.metrics);

  if (config) {
    const logger = createLogger('silent');
    const { gateway } = createLarkGateway(
      { ...config, lark: { ...config.lark, httpTimeoutMs: Math.min(config.lark.httpTimeoutMs, 10_000) } },
      { logger, metrics: new Metrics(), clock: systemClock },
    );
    let credentialsOk = false;
    try {
      const info = await gateway.getBotInfo();
      add('ok', '飞书凭证', `有效（机器人：${info.name}）`);
      credentialsOk = true;
      const names = await contactScopeLine(gateway, info.openId);
      if (names) add(names.status, names.label, names.detail);
    } catch (err) {
      if (err instanceof LarkApiError && !err.isRetryable)
        add(
          'fail',
          '飞书凭证',
          `被拒绝（错误码 ${err.larkCode}）：检查 LARK_APP_ID / LARK_APP_SECRET，以及应用是否启用了机器人能力`,
        );
      else
        add(
          'fail',
          '飞书凭证',
          `无法连接飞书：${larkNetworkAdvice(errorMessage(err), config.lark.domain) ?? errorMessage(err)}`,
        );
    }
    // The operations chat is asked about only with credentials Lark accepts.
    const alerts = await alertsLine(credentialsOk ? gateway : undefined, config.alerts.opsChatId, admins);
    add(alerts.status, alerts.label, alerts.detail);
    const backup = await backupLine(dataDir, now, config);
    add(backup.status, backup.label, backup.detail);
    const mode = config.lark.eventMode === 'ws' ? '长连接（ws）' : 'Webhook（POST /lark/events）';
    if (config.lark.eventMode === 'ws') {
      const connected = bot?.ready.checks.larkConnection;
      add(
        connected === true ? 'ok' : 'fail',
        '事件接收',
        `${mode}：${bot ? (connected === true ? '已连接' : '未连接') : answer === SILENT ? '机器人没有应答，看不到连接' : holder?.user === 'bot' ? '机器人正在启动，还没有连接' : '机器人未运行，无连接'}`,
      );
    } else
      add(
        bot ? 'ok' : 'fail',
        '事件接收',
        `${mode}：${bot ? '监听中' : answer === SILENT ? '机器人没有及时应答，飞书推送的事件可能超时' : holder?.user === 'bot' ? '机器人正在启动，还没有监听' : '机器人未运行'}`,
      );
  }

  if (config)
    add(
      !config.web.publicUrl && isLoopbackHost(config.host) ? 'warn' : 'ok',
      '网页登录',
      webSignInNote(webSignInSettings(config)),
    );
  // Without web pages a leader urges only from the escalation card (a whole village); one task's 督办
  // and the 督办 of a village not on that day's card are on the pages.
  if (config && !config.web.publicUrl)
    add(
      'warn',
      '督办',
      '无 PUBLIC_URL：领导只能在卡片上督办（「逾期未交齐」私信上的「督办」按钮，督办整个村）；' +
        '督办单项任务、查看督办是否送达和已读要用网页，请设置 PUBLIC_URL',
    );

  if (existsSync(dataDir)) {
    const s = await statfs(dataDir);
    const free = s.bavail * s.bsize;
    const floor = config?.capture.minFreeDiskBytes ?? 1024 ** 3;
    const mb = (n: number) => `${Math.round(n / 1024 / 1024).toLocaleString('en-US')} MB`;
    add(
      free < floor ? 'fail' : free < 2 * floor ? 'warn' : 'ok',
      '磁盘空间',
      `${dataDir} 可用 ${mb(free)}（下限 ${mb(floor)}）`,
    );
  } else add('warn', '磁盘空间', `${dataDir} 还不存在（首次启动时创建）`);

  // The county's holidays.yaml first (a bad one is reported on the 设置文件 line: the start refuses it).
  const holidaysFile = env.HOLIDAYS_FILE || DEFAULT_HOLIDAYS_FILE;
  let county;
  try {
    county = loadHolidayFile(holidaysFile);
  } catch {
    county = undefined;
  }
  const calendar = createWorkingCalendar({ county });
  const year = Number(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: config?.timeZone ?? configuredTimeZone(env),
      year: 'numeric',
    }).format(now),
  );
  for (const y of [year, year + 1]) {
    const source = calendar.yearSource(y);
    add(
      source ? 'ok' : y === year ? 'fail' : 'warn',
      `节假日表 ${y}`,
      source
        ? `已包含（${source === 'holidays.yaml' ? holidaysFile : 'chinese-days'}）`
        : `缺失：${missingHolidaysText(y, y === year, holidayFilePlace(holidaysFile))}`,
    );
  }
  return lines;
}

/**
 * Reports the database, its migrations and queues; returns, when it could read them, how many admins
 * alerts go to and the alerts owed (decided, never known delivered).
 */
async function checkDatabase(
  add: (status: DoctorLine['status'], label: string, detail: string) => void,
  o: {
    dataDir: string;
    databaseUrl?: string;
    bot?: RunningBot;
    silent: boolean;
    now: Date;
    envFiles: readonly string[];
    /** The stored originals a start would refuse beside a new or empty database (files-without-database.ts). */
    originals?: StoredOriginals;
  },
): Promise<{ admins: number; owed: OwedAlert[] } | undefined> {
  const kind = o.databaseUrl
    ? `PostgreSQL（${withoutPassword(o.databaseUrl)}）`
    : `内置 PGlite（${join(o.dataDir, 'pglite')}）`;
  const moved = o.databaseUrl ? readMovedMarker(join(o.dataDir, 'pglite')) : undefined;
  if (moved)
    // The bot runs on PostgreSQL; the old copy's folder kept its name (db move-to-postgres could not rename it).
    add(
      'warn',
      '内置数据库',
      `${join(o.dataDir, 'pglite')} 的档案已于 ${moved.at.slice(0, 10)} 搬到 PostgreSQL，但文件夹没能改名：` +
        `请停着机器人手工改名：mv ${join(o.dataDir, 'pglite')} ${moved.movedTo}`,
    );
  const movedAwayRecord = o.databaseUrl ? undefined : movedAway(o.dataDir);
  if (movedAwayRecord) {
    // A start without DATABASE_URL would make a new, empty embedded database: the bot refuses it (exit 2).
    add('fail', '数据库', `机器人不会启动：${movedAwayText(o.dataDir, movedAwayRecord, o.envFiles)}`);
    return;
  }
  // Not opened (that would create it): the start creates it, unless the archive's originals are there.
  if (!o.databaseUrl && !existsSync(join(o.dataDir, 'pglite'))) {
    const refused = await o.originals?.beforeNew();
    if (refused) add('fail', '数据库', `机器人不会启动：${refused}`);
    else add('warn', '数据库', `${kind}：还没有创建（首次启动时创建并迁移）`);
    return;
  }
  let database: Database;
  try {
    database = await openDb({ databaseUrl: o.databaseUrl, dataDir: o.dataDir, maxConnections: 1 });
  } catch (err) {
    if (err instanceof AppError && err.code === 'data_dir_locked' && o.bot) {
      // The running bot holds the embedded database: it migrated at start (to its own program's
      // migrations: an older bot left running after an upgrade has not applied the new ones); its
      // metrics tell the rest.
      // Only a bot that says how far it migrated, as far as this program ships, is ✓: during an upgrade
      // the rest run at the restart, after which an older program cannot open the database.
      const ran = o.bot.metrics ? runningBuild(o.bot.metrics)?.migrations : undefined;
      const shipped = bundledMigrations().length;
      const backUpFirst = `执行后旧版本的程序就打不开这个数据库：重启前先备份（${BACKUP_WHILE_STOPPED}）`;
      if (ran !== undefined && ran < shipped)
        add(
          'warn',
          '数据库',
          `${kind}：由运行中的机器人使用，它启动时执行到第 ${ran} 个迁移；安装的程序有 ${shipped} 个，其余的要等重启时执行（见「运行的版本」一行），${backUpFirst}`,
        );
      else if (ran === undefined)
        add(
          'warn',
          '数据库',
          `${kind}：由运行中的机器人使用，看不到它执行到第几个迁移（${o.bot.metrics ? '它的 /metrics 没有版本信息：升级前的旧版本' : '读不到它的 /metrics'}）。` +
            `安装的程序有 ${shipped} 个迁移，运行的若是旧版本，新的迁移要等重启时执行，${backUpFirst}`,
        );
      else add('ok', '数据库', `${kind}：由运行中的机器人使用（启动时已执行迁移）`);
      if (o.bot.metrics)
        reportQueues(
          add,
          queuesFromMetrics(o.bot.metrics),
          o.bot.metrics.get('lark_seconds_since_last_event'),
        );
      else
        add(
          'fail',
          '队列',
          `机器人的 /metrics 答复 HTTP ${o.bot.metricsStatus}，看不到事件和任务队列（METRICS_TOKEN 与机器人的设置不同？）`,
        );
      return;
    }
    if (err instanceof AppError && err.code === 'data_dir_locked' && o.silent) {
      // Held by the process that did not answer: "stop it first" would be the wrong advice.
      add('warn', '数据库', `${kind}：由那个没有应答的程序使用，看不到事件和任务队列`);
      return;
    }
    if (err instanceof AppError && err.code === 'data_dir_locked') {
      // Held by a live process that does not answer on HOST:PORT: the bot still starting (a first start
      // creates and migrates the database before it listens), a backup, a restore, another command.
      // "Stop it first" would be the wrong advice.
      add('warn', '数据库', `${kind}：${heldDatabaseText(liveDataDirHolder(o.dataDir))}`);
      return;
    }
    add('fail', '数据库', `${kind}：无法打开：${errorMessage(err)}`);
    return;
  }
  try {
    try {
      await database.db.execute(sql`select 1`);
    } catch (err) {
      // postgres.js connects on the first statement: a wrong host, port, password or database name shows
      // here, said as the start says it (the address without its password, why, what to check).
      const unreachable = databaseConnectFailure(err, o.databaseUrl, o.envFiles, 'doctor');
      add('fail', '数据库', unreachable?.text ?? `${kind}：连不上：${errorMessage(err)}`);
      return;
    }
    const schema = compareSchema(await appliedMigrations(database.db), bundledMigrations());
    add('ok', '数据库', `${kind}：可以连接`);
    if (schema.kind === 'behind' && schema.applied === 0) {
      // Nothing has set it up yet (before the first start): there are no queues to read. Beside an
      // embedded database holding the archive the bot refuses it (db/migrate.ts): say what it says.
      // Beside an archive's stored originals, likewise (db/files-without-database.ts).
      const refused =
        o.databaseUrl && holdsPgliteArchive(o.dataDir)
          ? pgliteLeftBehindText(join(o.dataDir, 'pglite'))
          : await o.originals?.beforeNew();
      if (refused) add('fail', '迁移', `机器人不会启动：${refused}`);
      else
        add(
          'warn',
          '迁移',
          `数据库还是空的（待执行 ${schema.pending.length} 个迁移）：机器人第一次启动时建表`,
        );
      return;
    }
    if (schema.kind === 'current') add('ok', '迁移', `已是最新（${schema.applied} 个）`);
    else if (schema.kind === 'behind')
      add(
        'warn',
        '迁移',
        `已执行 ${schema.applied} 个，待执行 ${schema.pending.length} 个（${schema.pending.map((m) => m.tag).join('、')}）：机器人启动时自动执行。执行后旧版本的程序就打不开这个数据库，要退回只能用备份恢复：还没备份的话，启动前先备份（${BACKUP_WHILE_STOPPED}）`,
      );
    else
      add(
        'fail',
        '迁移',
        `数据库有 ${schema.applied} 个迁移，比本程序（${schema.known} 个）新：请安装新版本`,
      );
    // A migrated database holding no material beside an archive's originals (made by a command before the
    // restore, or older than them): the start refuses it after its migrations.
    const empty = schema.kind === 'newer' ? undefined : await o.originals?.besideEmpty(database.db);
    if (empty) add('fail', '档案', `机器人不会启动：${empty}`);
    const events = await queueStats(database.db, 'inbound_events', o.now);
    const jobs = await queueStats(database.db, 'jobs', o.now);
    const [last] = await queryRows<{ at: string | null }>(
      database.db,
      sql`select max(received_at)::text as at from inbound_events where source <> 'card'`,
    );
    const lastAt = last?.at ? (o.now.getTime() - new Date(last.at).getTime()) / 1000 : undefined;
    reportQueues(add, { events, jobs }, lastAt);
    const owed = (await pendingAlerts(database.db)).map((p) => ({ kind: p.kind, send: p.notice.send }));
    return { admins: await alertRecipients(database.db), owed };
  } catch (err) {
    add('fail', '数据库', `${kind}：查询失败：${errorMessage(err)}`);
  } finally {
    await database.close();
  }
}

type OwedAlert = { kind: string; send: AlertSend };

/**
 * With no running bot to ask, the alerts the database holds as owed (ops_alerts.pending_send): Lark did
 * not take them, or the bot stopped before it knew. The bot sends them again on its next round.
 */
function reportOwedAlerts(
  add: (status: DoctorLine['status'], label: string, detail: string) => void,
  owed: OwedAlert[],
): void {
  if (owed.length === 0) return;
  const names = owed.map(
    (o) => `${ALERT_TITLES[o.kind as AlertKind] ?? o.kind}${o.send === 'recovered' ? '（恢复正常）' : ''}`,
  );
  add(
    'fail',
    '运维告警',
    `${owed.length} 条告警还没有送达（${names.join('、')}）：机器人运行时每一轮都会重发；` +
      '请核对下面的「告警去向」一行',
  );
}

/** The running bot's last ops-alert round, when it runs them: cut short by the database, alerts Lark did not take. */
function reportAlertRound(
  add: (status: DoctorLine['status'], label: string, detail: string) => void,
  m: Map<string, number>,
): void {
  const cutShort = m.get(OPS_ALERT_ROUND_CUT_SHORT);
  if (cutShort === undefined) return;
  const undelivered = m.get(OPS_ALERTS_UNDELIVERED) ?? 0;
  if (cutShort === 0 && undelivered === 0) {
    add('ok', '运维告警', '上一轮检查已完成');
    return;
  }
  const parts = [
    ...(cutShort
      ? ['上一轮检查没有做完：数据库拒绝了连接或连不上（日志：ops alert state not recorded），下一轮再检查']
      : []),
    ...(undelivered > 0
      ? [
          `${undelivered} 条告警没有送达（日志：ops alert not delivered），每一轮都会重发；` +
            '请核对下面的「告警去向」一行',
        ]
      : []),
  ];
  add('fail', '运维告警', parts.join('；'));
}

/**
 * The 备份 line: the last backup as the backup command recorded it (DATA_DIR/backup-status.json), in the
 * words of the 「备份没有按时完成」 alert: ✗ a failed one, ! incomplete, too old or none, ✓ otherwise.
 */
async function backupLine(dataDir: string, now: Date, config: Config): Promise<DoctorLine> {
  const status = await readBackupStatus(dataDir);
  const maxAgeMs = config.alerts.backupMaxAgeMs || 36 * 3_600_000;
  const state = backupState(status, { now, maxAgeMs, timeZone: config.timeZone });
  return {
    status: !state.firing ? 'ok' : status?.last.outcome === 'failed' ? 'fail' : 'warn',
    label: '备份',
    detail: state.detail,
  };
}
