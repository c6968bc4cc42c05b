import { packageOnDisk, type PackageOnDisk } from '../archive/package-on-disk.js';
import { zipStream } from '../archive/zip-store.js';
import type { TransferPackageDetail } from '../db/repos/transfer-package-detail.js';
import { packagePath } from '../domain/transfer-changes.js';
import { sanitizeFileName } from '../storage/sanitize-file-name.js';
import { page } from './web-app.js';
import type { PageContext } from './web-context.js';
import { messagePage } from './pages/layout.js';
import { visiblePackage } from './pages/package-access.js';

/**
 * The download's name, naming the 全宗, unit and year and saying what it is, 预检包 included:
 * 「全宗A182-城关村-2026年度-移交包-3」 (the ZIP's top folder too).
 */
export const packageZipStem = (
  p: Pick<TransferPackageDetail, 'id' | 'fondsCodes' | 'unitName' | 'year' | 'preCheck'>,
) =>
  sanitizeFileName(
    `全宗${p.fondsCodes}-${p.unitName}-${p.year}年度-${p.preCheck ? '预检包' : '移交包'}-${p.id}`,
  );

/** Why a recorded package's folder cannot be downloaded, as its page and the refused download say it. */
export const folderProblemText = (disk: Exclude<PackageOnDisk, { state: 'whole' }>): string =>
  disk.state === 'gone'
    ? '服务器上找不到这个包的文件夹（已被移走或删除），不能下载。请系统管理员把文件夹放回原处，或重新导出。'
    : '服务器上这个包的文件夹已和导出时不一样（数字摘要或文件不符，可能已被改动或被后来的导出覆盖），不能下载。请重新导出。';

/** Who may download a package: the whole package's viewers only, said to a viewer of their part. */
export const wholeOnlyText = (unitName: string) =>
  `只有${unitName}或上级单位的档案员、管理员可以下载整个包；你可以在页面上查看本单位在包里的件。`;

/**
 * GET /transfers/:id/download — the package's folder as a ZIP (STORED, made as it is sent: no copy on
 * disk, memory flat), with its exact Content-Length and a file name naming the 全宗, unit and year
 * (RFC 5987 for the Chinese). Only for whoever sees the whole package on its page (an archivist of a
 * unit whose 件 a package above carried sees only their part there: 403, said); a folder gone or no
 * longer the package recorded is a page saying so.
 */
export async function packageDownload(c: PageContext): Promise<void> {
  const seen = await visiblePackage(c);
  if (!seen) return;
  const { pkg } = seen;
  if (seen.paths) {
    page(c.koa, 403, messagePage('不能下载', wholeOnlyText(pkg.unitName), c.viewer, packagePath(pkg.id)));
    return;
  }
  const disk = await packageOnDisk(pkg);
  if (disk.state !== 'whole') {
    const status = disk.state === 'gone' ? 404 : 409;
    page(c.koa, status, messagePage('不能下载', folderProblemText(disk), c.viewer, packagePath(pkg.id)));
    return;
  }
  const stem = packageZipStem(pkg);
  const { stream, size } = await zipStream(pkg.outDir, disk.files, stem, pkg.createdAt);
  c.koa.attachment(`${stem}.zip`);
  c.koa.type = 'application/zip';
  c.koa.set('Cache-Control', 'private, no-store');
  c.koa.length = size;
  c.koa.body = stream;
}
