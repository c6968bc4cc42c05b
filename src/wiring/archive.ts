import { join } from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import {
  confirmArchiveAction,
  confirmCommand,
  CONFIRM_JOB,
  runConfirmJob,
  type ConfirmJobPayload,
} from '../archive/confirm-command.js';
import { DESCRIBE_ITEM_ACTION } from '../cards/describe-item-card.js';
import { describeItemAction } from '../archive/describe-item-action.js';
import { EXPORT_JOB, exportCommand, type ExportJobPayload } from '../archive/export-command.js';
import { commandVirusScanner } from '../archive/virus-scan.js';
import { errorMessage, PermanentError } from '../errors.js';
import { reportFourPropertiesRun } from '../usecases/report-four-properties.js';
import { opsAlertOptions } from './ops-alerts.js';
import type { FeatureContext, Stopper } from '../features.js';
import type { Logger } from '../logger.js';
import type { CommandHandler } from '../usecases/handle-command.js';
import { replyText } from '../usecases/reply-text.js';
import {
  FOUR_PROPERTIES_JOB,
  runFourPropertiesCheck,
  type FourPropertiesJobPayload,
} from '../usecases/check-four-properties-run.js';
import { exportForChat } from '../usecases/export-for-chat.js';

export interface ArchiveOptions {
  /** Other settings than archive.yaml's (tests); otherwise `ctx.settings.archive`. */
  archiveConfig?: ArchiveConfig;
  /** VIRUS_SCAN_COMMAND, e.g. `clamscan --no-summary {file}`; wins over archive.yaml. */
  virusScanCommand?: string;
}

/**
 * Archive-standard output (issue 6): chat commands 确认归档 and 导出/移交, the `describe-item` card
 * form (DA/T 50 photo description), and the job kinds `archive-export` and `four-properties-check`
 * (the weekly schedule enqueues the latter; see enqueueWeeklyFourPropertiesCheck). Without a
 * readable archive.yaml the bot still runs, and the commands say what is missing.
 */
export function installArchive(ctx: FeatureContext, opts: ArchiveOptions = {}): () => Stopper {
  const { config, deps, blobs, hooks, cards, jobHandlers } = ctx;
  const archive = opts.archiveConfig ?? ctx.settings.archive;
  const problem = archive ? undefined : ctx.settings.archiveProblem;
  const scanCommand = opts.virusScanCommand ?? config.archive.virusScanCommand ?? archive?.virusScanCommand;
  const virusScan = scanCommand ? commandVirusScanner(scanCommand) : undefined;
  const timeZone = config.timeZone;
  const reportsDir = join(config.dataDir, 'reports');

  const unavailable: CommandHandler = (d, msg) =>
    replyText(
      d.gateway,
      msg.messageId,
      `档案设置未配置，暂不能使用：${problem ?? ''}`,
      `archive-off-${msg.messageId}`,
    );
  hooks.commands ??= {};
  hooks.commands.confirm = archive ? confirmCommand() : unavailable;
  cards.register('confirm-archive', confirmArchiveAction({ wakeJobs: ctx.wakeJobs }));
  jobHandlers[CONFIRM_JOB] = async (payload: ConfirmJobPayload) => {
    if (!archive) throw new PermanentError('archive_off', `archive settings not loaded: ${problem}`);
    await runConfirmJob(deps, { config: archive, blobs }, payload);
  };
  hooks.commands.export = archive ? exportCommand({ wakeJobs: ctx.wakeJobs }) : unavailable;
  cards.register(DESCRIBE_ITEM_ACTION, describeItemAction);

  jobHandlers[EXPORT_JOB] = async (payload: ExportJobPayload, log, attempt) => {
    try {
      if (!archive) throw new Error(`archive settings not loaded: ${problem}`);
      const res = await exportForChat(
        {
          db: deps.db,
          gateway: deps.gateway,
          clock: deps.clock,
          blobs,
          config: archive,
          timeZone,
          exportsDir: join(config.dataDir, 'exports'),
          virusScan,
        },
        payload,
      );
      log.info(
        { unitId: payload.unitId, year: payload.year, outDir: res.outDir, sent: res.sent },
        'package exported',
      );
    } catch (err) {
      // The last attempt (or one that cannot succeed): tell the requester instead of dying silently.
      if (attempt.attempts >= attempt.maxAttempts || err instanceof PermanentError)
        await exportFailed(payload, err, log);
      throw err;
    }
  };

  const exportFailed = async (payload: ExportJobPayload, err: unknown, log: Logger) => {
    log.error({ unitId: payload.unitId, year: payload.year, err }, 'package export failed for good');
    const reason = errorMessage(err).slice(0, 300);
    await replyText(
      deps.gateway,
      payload.messageId,
      `导出失败：${reason}，请联系管理员`,
      `export-failed-${payload.messageId}`,
    ).catch((e) => log.error({ err: e }, 'could not report the failed export'));
  };

  jobHandlers[FOUR_PROPERTIES_JOB] = async (payload: FourPropertiesJobPayload, log) => {
    if (!archive) throw new Error(`archive settings not loaded: ${problem}`);
    const run = await runFourPropertiesCheck(
      { db: deps.db, blobs, clock: deps.clock, config: archive, timeZone, virusScan },
      { unitId: payload.unitId, year: payload.year },
      reportsDir,
    );
    await reportFourPropertiesRun(
      deps,
      { alerts: opsAlertOptions(ctx.config), reportChat: archive.reportChat },
      payload,
      run,
      log,
    );
  };

  return () => async () => {};
}
