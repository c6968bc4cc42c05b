import { FOUR_PROPERTIES_JOB, type JobPayload } from '../domain/job-types.js';
import { mkdir } from 'node:fs/promises';
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

export type FourPropertiesJobPayload = JobPayload<typeof FOUR_PROPERTIES_JOB>;

export interface FourPropertiesRun {
  report: FourPropertiesReport;
  dir: string;
  json: string;
  xlsx: string;
}

/** Runs the check and writes 四性检测报告.json / .xlsx into `reportsDir/四性检测-<time>/`. */
export async function runFourPropertiesCheck(
  deps: FourPropertiesDeps,
  scope: FourPropertiesScope,
  reportsDir: string,
): Promise<FourPropertiesRun> {
  const report = await checkFourProperties(deps, scope);
  const stamp = report.generatedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = join(reportsDir, `四性检测-${stamp}`);
  await mkdir(dir, { recursive: true });
  const json = join(dir, REPORT_JSON);
  const xlsx = join(dir, REPORT_XLSX);
  await writeReportJson(json, report);
  await writeReportXlsx(xlsx, report);
  return { report, dir, json, xlsx };
}
