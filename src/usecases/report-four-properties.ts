import { PROPERTIES, PROPERTY_LABELS } from '../domain/four-properties.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { FourPropertiesJobPayload, FourPropertiesRun } from './check-four-properties-run.js';
import { reportAlert, type OpsAlertDeps, type OpsAlertOptions } from './ops-alerts.js';

/**
 * Tells the result of a four-properties check: the failures gauge, the log, the `four_properties`
 * operations alert (firing while the last check failed), and a short message to the chat that asked
 * (or archive.yaml's reportChat), once per weekly run.
 */
export async function reportFourPropertiesRun(
  deps: OpsAlertDeps & { metrics: Metrics },
  o: { alerts: OpsAlertOptions; reportChat?: string },
  payload: FourPropertiesJobPayload,
  run: FourPropertiesRun,
  log: Logger,
): Promise<void> {
  const { report } = run;
  const errors = report.failures.filter((f) => f.severity === 'error').length;
  deps.metrics.set(
    'four_properties_failures',
    errors,
    {},
    'Failures found by the last four-properties check',
  );
  (errors > 0 ? log.error.bind(log) : log.info.bind(log))(
    { failures: errors, report: run.json },
    'four-properties check finished',
  );
  const counts = `${report.totals.records} 条，${report.totals.files} 个文件`;
  await reportAlert(deps, o.alerts, 'four_properties', {
    firing: !report.passed,
    detail: report.passed
      ? `最近一次检测通过（${report.totals.records} 条）。`
      : `${errors} 项不合格（${counts}）。报告：${run.dir}`,
  });
  const chatId = payload.chatId ?? o.reportChat;
  if (!chatId) return;
  const lines = PROPERTIES.map(
    (p) =>
      `${PROPERTY_LABELS[p]}：${report.summary[p].failed ? `${report.summary[p].failed} 项不合格` : '通过'}`,
  );
  await deps.gateway.sendMessage({
    receiveIdType: 'chat_id',
    receiveId: chatId,
    message: {
      msgType: 'text',
      content: JSON.stringify({
        text: `四性检测${report.passed ? '通过' : '未通过'}（${counts}）\n${lines.join('\n')}\n报告：${run.dir}`,
      }),
    },
    // The weekly run is keyed by its ISO week, so a retry after a crash posts once.
    uuid: `4p-${payload.week ?? report.generatedAt}-${chatId}`.slice(0, 50),
  });
}
