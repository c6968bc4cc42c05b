import { stat } from 'node:fs/promises';
import { REPORT_XLSX } from '../archive/four-properties-report.js';
import {
  failingItemLines,
  PROPERTIES,
  PROPERTY_LABELS,
  type FourPropertiesReport,
} from '../domain/four-properties.js';
import { fitsChatUpload } from '../domain/chat-upload.js';
import { sizeText } from '../domain/package-size-text.js';
import {
  fourPropertiesReportPath,
  reportFileName,
  RUN_FOLDER_PREFIX,
} from '../domain/four-properties-run-id.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { FourPropertiesJobPayload, FourPropertiesRun } from './check-four-properties-run.js';
import { reportToRequester } from './four-properties-to-requester.js';
import { sendFourPropertiesResult, type FourPropertiesResult } from './four-properties-result.js';
import { reportAlert, type OpsAlertDeps, type OpsAlertOptions } from './ops-alerts.js';

/**
 * Tells the result of a four-properties check: the failures gauge, the log, the `four_properties`
 * operations alert (firing while the last check failed, with the report's server path; a check of one
 * unit's year raises it but never clears it, nor sets the gauge: only the whole archive's check does), and a short
 * message to the chat that asked (asked in a group: to the archivist who asked, by direct message, the
 * group getting one line; reportToRequester) or archive.yaml's reportChat, once per weekly run: per property
 * passed or how many failed, the first failing items by 档号 and what is wrong (each linking its item's
 * page when the pages are on), and, when it failed,
 * the Excel report as a file (up to the chat upload limit). A report too big for the chat is a link to
 * its download page when the pages are on (PUBLIC_URL: `pageUrl`), else named by its folder under the
 * data folder for the administrator. No server path in the chat.
 */
export async function reportFourPropertiesRun(
  deps: OpsAlertDeps & { metrics: Metrics; pageUrl?: (path: string) => string | undefined },
  o: {
    alerts: OpsAlertOptions;
    reportChat?: string;
    uploadLimitBytes: number;
  },
  payload: FourPropertiesJobPayload,
  run: FourPropertiesRun,
  log: Logger,
): Promise<void> {
  const { report } = run;
  const errors = report.failures.filter((f) => f.severity === 'error').length;
  // A check of one unit's year (四性检测 in chat) speaks for that part only: a failure there raises the
  // alert, but a pass neither clears an alert the whole-archive check raised nor resets its gauge.
  const whole = payload.unitId === undefined && payload.year === undefined;
  if (whole)
    deps.metrics.set(
      'four_properties_failures',
      errors,
      {},
      'Failures found by the last four-properties check of the whole archive',
    );
  (errors > 0 ? log.error.bind(log) : log.info.bind(log))(
    { failures: errors, report: run.json, unitId: payload.unitId, year: payload.year },
    'four-properties check finished',
  );
  const counts = `${report.totals.records} 条，${report.totals.files} 个文件`;
  // Not delivered: owed in the database, and sent by the next operations-alert round.
  if (whole || !report.passed)
    await reportAlert(deps, o.alerts, 'four_properties', {
      firing: !report.passed,
      detail: report.passed
        ? `最近一次检测通过（${report.totals.records} 条）。`
        : `${errors} 项不合格（${counts}）。报告：${run.dir}`,
    });
  const chatId = payload.chatId ?? o.reportChat;
  if (!chatId) return;
  // The archivists' words, as 导出 counts: 件 that hold a 档号, the retired numbers beside them.
  const { records, withdrawn, files } = report.totals;
  const pieces = `${records - withdrawn} 件${withdrawn > 0 ? `（另有停用件号 ${withdrawn} 个）` : ''}，${files} 个文件`;
  // The weekly run is keyed by its ISO week, a run asked for in chat by the message that asked, so a
  // retry (after the Excel upload failed, or a crash) posts once; an older queued run has neither.
  const runKey = payload.week ?? payload.requestId ?? report.generatedAt;
  const fits = !report.passed && fitsChatUpload((await stat(run.xlsx)).size, o.uploadLimitBytes);
  const tooBig = report.passed || fits ? undefined : tooBigText(run.id, o.uploadLimitBytes, deps.pageUrl);
  const result: FourPropertiesResult = {
    text: chatText(report, pieces, tooBig, (id) => deps.pageUrl?.(`/items/${id}`)),
    ...(fits ? { xlsx: { fileName: reportFileName(run.id), path: run.xlsx } } : {}),
    runKey,
  };
  // Asked in a group: the result and its report to whoever asked, the group a line (no item named).
  if (payload.requester && payload.chatId)
    return reportToRequester(
      deps,
      { ...payload, chatId: payload.chatId, requester: payload.requester },
      result,
      { passed: report.passed, pieces, errors },
      log,
    );
  await sendFourPropertiesResult(deps.gateway, { receiveIdType: 'chat_id', receiveId: chatId }, result);
}

/** How many failing items the chat message names (the Excel report lists them all). */
const NAMED = 5;

/**
 * Where a report too big for the chat is: its download page (sign-in, archivists and admins), or, without
 * the pages, its folder under the data folder, which the administrator can open.
 */
function tooBigText(runId: string, limit: number, pageUrl?: (path: string) => string | undefined): string {
  const url = pageUrl?.(fourPropertiesReportPath(runId));
  const said = `检测报告较大，未通过聊天发送（上限 ${sizeText(limit)}），已保存在服务器上`;
  return url
    ? `${said}；请打开下面的链接下载（用飞书登录，限档案员、管理员）。\n检测报告：${url}`
    : `${said}（数据目录 reports 下的「${RUN_FOLDER_PREFIX}${runId}」文件夹里的 ${REPORT_XLSX}），请联系系统管理员取用。`;
}

/**
 * The chat's text: per property, then the first failing items (档号, or the item, and what is wrong, and
 * the link to its page when the pages are on: `itemUrl`), and where the Excel report is (`tooBig`: not
 * sent with it).
 */
function chatText(
  report: FourPropertiesReport,
  counts: string,
  tooBig: string | undefined,
  itemUrl: (itemId: number) => string | undefined,
): string {
  const lines = PROPERTIES.map(
    (p) =>
      `${PROPERTY_LABELS[p]}：${report.summary[p].failed ? `${report.summary[p].failed} 项不合格` : '通过'}`,
  );
  if (report.passed) return `四性检测通过（${counts}）\n${lines.join('\n')}`;
  return [
    `四性检测未通过（${counts}）`,
    ...lines,
    '不合格的有：',
    ...failingItemLines(report, NAMED, itemUrl),
    tooBig ?? '完整的检测报告见下方的 Excel 文件。',
  ].join('\n');
}
