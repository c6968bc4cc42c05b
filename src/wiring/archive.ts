import { join } from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import { commandVirusScanner } from '../archive/virus-scan.js';
import { commandDocxToPdf } from '../archive/docx-to-pdf.js';
import { ARCHIVE_CONFIRM_JOB, ARCHIVE_EXPORT_JOB, FOUR_PROPERTIES_JOB } from '../domain/job-types.js';
import { PermanentError } from '../errors.js';
import { archivistsOfTarget } from '../usecases/command-target.js';
import {
  confirmArchiveAction,
  confirmCommand,
  confirmJobFailed,
  runConfirmJob,
} from '../usecases/confirm-command.js';
import { describeItemActions } from '../usecases/describe-item-action.js';
import { exportCommand } from '../usecases/export-command.js';
import { fourPropertiesCommand } from '../usecases/four-properties-command.js';
import { exportDied, exportForChatJob, type ExportForChatDeps } from '../usecases/export-for-chat.js';
import { jobHandler, type CommandHandler, type Feature } from '../usecases/feature.js';
import { runFourPropertiesCheck } from '../usecases/check-four-properties-run.js';
import { fourPropertiesReportsDir } from '../usecases/four-properties-run-folder.js';
import { reportFourPropertiesRun } from '../usecases/report-four-properties.js';
import { replyText } from '../usecases/reply-text.js';
import type { FeatureEnv } from './feature-env.js';
import {
  COMPILATION_ROUTES,
  FOUR_PROPERTIES_ROUTES,
  TRANSFER_ROUTES,
  type PageRoute,
} from '../http/page-routes.js';
import { opsAlertOptions } from './ops-alerts.js';

/**
 * Archive-standard output (issue 6): chat commands 确认归档, 导出/移交 and 四性检测, the 编研 pages (大事记, 图册), the `describe-item` card
 * form (DA/T 50 photo description), and the job kinds `archive-confirm`, `archive-export` and
 * `four-properties-check` (the weekly schedule enqueues the latter). Without a readable
 * archive.yaml the bot still runs, and the commands say what is missing.
 */
export function archiveFeature(env: FeatureEnv): Feature<PageRoute> {
  const { config, deps, blobs } = env;
  const archive = env.settings.archive;
  const problem = archive ? undefined : env.settings.archiveProblem;
  const scanCommand = config.archive.virusScanCommand ?? archive?.virusScanCommand;
  const virusScan = scanCommand ? commandVirusScanner(scanCommand) : undefined;
  const docxCommand = config.archive.docxToPdfCommand ?? archive?.docxToPdfCommand;
  const docxToPdf = docxCommand ? commandDocxToPdf(docxCommand) : undefined;
  const settings = (): ArchiveConfig => {
    if (!archive) throw new PermanentError('archive_off', `archive settings not loaded: ${problem}`);
    return archive;
  };

  const exportDeps: ExportForChatDeps = {
    db: deps.db,
    gateway: deps.gateway,
    clock: deps.clock,
    blobs,
    get config() {
      return settings();
    },
    timeZone: config.timeZone,
    exportsDir: join(config.dataDir, 'exports'),
    virusScan,
    docxToPdf,
    pageUrl: deps.pageUrl,
  };

  const unavailable: CommandHandler = (d, msg) =>
    replyText(
      d.gateway,
      msg.messageId,
      `档案设置未配置，暂不能使用：${problem ?? ''}`,
      `archive-off-${msg.messageId}`,
    );
  return {
    name: 'archive',
    routes: [...COMPILATION_ROUTES, ...TRANSFER_ROUTES, ...FOUR_PROPERTIES_ROUTES],
    commands: [
      {
        name: 'confirm',
        words: ['确认归档', 'confirm'],
        who: archivistsOfTarget('确认归档'),
        usage: '确认归档 [单位] [年度]',
        help: '先核对再确认归档，编上档号',
        handle: archive ? confirmCommand({ config: archive }) : unavailable,
      },
      {
        name: 'export',
        words: ['导出', '移交', 'export'],
        who: archivistsOfTarget('导出移交包'),
        usage: '导出 [单位] [年度]',
        help: '生成归档文件目录、四性检测报告和移交包',
        handle: archive ? exportCommand({ wakeJobs: env.wakeJobs }) : unavailable,
      },
      {
        name: 'four-properties',
        words: ['四性检测', '四性'],
        who: archivistsOfTarget('做四性检测'),
        usage: '四性检测 [单位] [年度]',
        help: '检查已确认归档材料的真实性、完整性、可用性和安全性（不生成移交包）',
        handle: archive ? fourPropertiesCommand({ wakeJobs: env.wakeJobs }) : unavailable,
      },
    ],
    cardActions: [
      confirmArchiveAction({ wakeJobs: env.wakeJobs }),
      ...describeItemActions({ maxFileBytes: env.config.capture.maxFileBytes }),
    ],
    jobs: [
      jobHandler({
        type: ARCHIVE_CONFIRM_JOB,
        handle: (payload, log, attempt) =>
          runConfirmJob(deps, { config: settings(), blobs }, payload, log, attempt),
        // The process died during the last attempt: the card says so instead of 「正在确认归档」.
        onDead: (payload, log) => confirmJobFailed(deps, payload, log),
      }),
      jobHandler({
        type: ARCHIVE_EXPORT_JOB,
        handle: (payload, log, attempt) => exportForChatJob(exportDeps, payload, log, attempt),
        // The process died during the last attempt (OOM on a big package, a kill): the sweeper buries
        // the job; its unfinished folder goes and the requester hears that it failed.
        onDead: (payload, log) => exportDied(exportDeps, payload, log),
      }),
      jobHandler({
        type: FOUR_PROPERTIES_JOB,
        handle: async (payload, log) => {
          const rules = settings();
          const run = await runFourPropertiesCheck(
            { db: deps.db, blobs, clock: deps.clock, config: rules, timeZone: config.timeZone, virusScan },
            { unitId: payload.unitId, year: payload.year },
            fourPropertiesReportsDir(config.dataDir),
          );
          await reportFourPropertiesRun(
            deps,
            {
              alerts: opsAlertOptions(config),
              reportChat: rules.reportChat,
              uploadLimitBytes: rules.chatUploadLimitBytes,
            },
            payload,
            run,
            log,
          );
        },
      }),
    ],
  };
}
