import { FOUR_PROPERTIES_JOB, type JobPayload } from '../domain/job-types.js';
import { join } from 'node:path';
import {
  REPORT_JSON,
  REPORT_XLSX,
  writeReportJson,
  writeReportXlsx,
} from '../archive/four-properties-report.js';
import type { FourPropertiesReport } from '../domain/four-properties.js';
import {
  checkFourProperties,
  type FourPropertiesDeps,
  type FourPropertiesScope,
} from './check-four-properties.js';
import { makeRunFolder } from './four-properties-run-folder.js';

export type FourPropertiesJobPayload = JobPayload<typeof FOUR_PROPERTIES_JOB>;

export interface FourPropertiesRun {
  report: FourPropertiesReport;
  /** The run's id (its folder's name without 四性检测-): what a link to its report carries. */
  id: string;
  dir: string;
  json: string;
  xlsx: string;
}

/**
 * Runs the check and writes 四性检测报告.json / .xlsx into a new folder `reportsDir/四性检测-<time>/`
 * (`-2`… when another run took that second), with the scope it checked.
 */
export async function runFourPropertiesCheck(
  deps: FourPropertiesDeps,
  scope: FourPropertiesScope,
  reportsDir: string,
): Promise<FourPropertiesRun> {
  const report = await checkFourProperties(deps, scope);
  const stamp = report.generatedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const { id, dir } = await makeRunFolder(reportsDir, stamp, scope);
  const json = join(dir, REPORT_JSON);
  const xlsx = join(dir, REPORT_XLSX);
  await writeReportJson(json, report);
  await writeReportXlsx(xlsx, report);
  return { report, id, dir, json, xlsx };
}
