import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FourPropertiesReport } from '../domain/four-properties.js';
import { fixityList, missing, type RecordedPackage } from './package-on-disk.js';
import { PACKAGE_PATHS } from './transfer-package.js';

/**
 * A recorded package's 四性 report as its folder holds it (其他/四性检测报告.json; the database keeps
 * only whether it passed): `read`, or why not — the folder is `gone`, or `changed` (its 数字摘要清单 does
 * not hash to the recorded 数字摘要, or the report is not the file that list names), or the report cannot
 * be parsed (`unreadable`).
 */
export type PackageReport =
  | { state: 'read'; report: Pick<FourPropertiesReport, 'passed' | 'failures'> }
  | { state: 'gone' }
  | { state: 'changed' }
  | { state: 'unreadable' };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads the report, trusting it only as the file the package's own fixity list names. */
export async function packageReport(pkg: RecordedPackage): Promise<PackageReport> {
  const fixity = await fixityList(pkg);
  if (fixity.state !== 'read') return fixity;
  const line = fixity.list
    .toString('utf8')
    .split(/\r?\n/)
    .find((l) => l.endsWith(`  ${PACKAGE_PATHS.reportJson}`));
  if (!line) return { state: 'changed' };
  let bytes: Buffer;
  try {
    bytes = await readFile(join(pkg.outDir, pkg.layout === 'bag' ? 'data' : '', PACKAGE_PATHS.reportJson));
  } catch (err) {
    if (missing(err)) return { state: 'changed' };
    throw err;
  }
  if (sha256(bytes) !== line.slice(0, 64)) return { state: 'changed' };
  try {
    const report = JSON.parse(bytes.toString('utf8')) as FourPropertiesReport;
    if (!Array.isArray(report.failures)) return { state: 'unreadable' };
    return { state: 'read', report };
  } catch {
    return { state: 'unreadable' };
  }
}
