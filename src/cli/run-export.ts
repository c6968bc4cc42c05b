import { parseCliOptions, requireOptions } from './cli-options.js';
import { resolve } from 'node:path';
import { silentProgress, type Progress } from '../archive/progress.js';
import { yearsWithRecords } from '../db/repos/archive-items.js';
import { getUnitByCode } from '../db/repos/units.js';
import { nothingConfirmedText } from '../domain/export-again.js';
import { loadCliSettings } from '../settings.js';
import { archiveCliSetup } from './archive-cli-setup.js';
import { AppError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { exportTransferPackage } from '../usecases/export-transfer-package.js';
import { saidServiceSettingsUnread } from './no-database.js';
import { openCliDb } from './open-cli-db.js';
import { exitCodeOf } from './run-main.js';
import type { CliIo } from './run-cli.js';
import { outFolderRefusedText, type WriteContext } from './write-refused.js';

const USAGE = '用法: npm run export -- --unit CODE --year YYYY --out DIR [--bag] [--concurrency N]';

/**
 * `npm run export -- --unit CODE --year YYYY --out DIR [--bag] [--concurrency N]` (`argv` without
 * node and the script): writes the transfer package of the unit's subtree for the year into DIR (new
 * or empty): the 移交 layout at DIR's root (the carrier), or with --bag inside a BagIt bag; written as
 * DIR.partial and renamed to DIR once whole (a killed run leaves no DIR holding a package; see
 * claimWorkDir for the folders written in place, under DIR/.export-in-progress); what dead exports
 * left there is removed first and named on standard output. Returns
 * the exit code: 0 written and the 四性 check passed, 1 written as a 预检包 (四性 failures, see the
 * report in the package) or an error, 2 usage. export.ts exits with it; a test may call it in its
 * own process (on `io.database` when given).
 */
export function runExport(argv: readonly string[], io: CliIo & { progress?: Progress }): Promise<number> {
  const where: WriteContext = {};
  return exitCodeOf(
    async () => {
      const values = parseCliOptions(
        argv,
        {
          unit: { type: 'string' },
          year: { type: 'string' },
          out: { type: 'string' },
          concurrency: { type: 'string' },
          bag: { type: 'boolean' },
        },
        USAGE,
      );
      requireOptions(values, ['unit', 'year', 'out'], USAGE);
      if (!/^\d{4}$/.test(values.year))
        throw new AppError(
          'usage',
          `--year 要写四位年份，例如 --year 2025（写的是 ${values.year}）\n${USAGE}`,
        );
      const concurrency = values.concurrency === undefined ? undefined : concurrencyOf(values.concurrency);
      const settings = loadCliSettings(io.env);
      // On a server without the service's settings: the program's ./data and shipped archive.yaml (its 全宗号).
      if (saidServiceSettingsUnread(io, ['dist/cli/export.js', ...argv].join(' '))) return 1;
      const setup = await archiveCliSetup(settings);
      // Before the database opens: an export reads every file before it writes the package.
      const out = { dir: resolve(values.out), label: '输出目录', option: '--out' };
      where.dataDir = setup.dataDir;
      where.places = [out];
      const refused = outFolderRefusedText(out, true);
      if (refused) {
        io.err(refused);
        return 1;
      }
      const database = io.database ?? (await openCliDb(settings, io.err));
      try {
        const unit = await getUnitByCode(database.db, values.unit);
        if (!unit) throw new AppError('usage', `找不到单位 ${values.unit}`);
        // A year with nothing confirmed (a typo'd --year) wrote an empty package, said 「四性检测：通过」 and
        // recorded 「移交包 … 0 条」 for good: refused before anything is written, naming the years there are.
        const year = Number(values.year);
        const years = await yearsWithRecords(database.db, unit.path);
        if (!years.includes(year))
          throw new AppError(
            'nothing_confirmed',
            `${nothingConfirmedText(unit.name, year)}，没有导出，也没有记录移交包。` +
              (years.length > 0
                ? `有确认归档材料的年度：${years.join('、')}；`
                : `${unit.name}还没有任何确认归档的材料；`) +
              `要先确认归档：npm run cli -- archive confirm --unit ${unit.code} --year ${year}（加 --dry-run 先看将编的档号）`,
          );
        const started = Date.now();
        const res = await exportTransferPackage(
          {
            db: database.db,
            clock: systemClock,
            progress: io.progress ?? silentProgress,
            concurrency,
            software: 'lark-archive-bot (npm run export)',
            removedLeftover: (path) => io.out(`已删除中断的导出留下的 ${path}（写它的进程已不在运行）`),
            ...setup,
          },
          {
            unitId: unit.id,
            year,
            outDir: resolve(values.out),
            layout: values.bag ? 'bag' : 'carrier',
          },
        );
        const secs = (Date.now() - started) / 1000;
        const errors = res.report.failures.filter((f) => f.severity === 'error').length;
        io.out(
          `${res.preCheck ? '预检包（四性检测不通过，不得移交）' : '移交包'}：${res.outDir}\n  ${res.records} 条（停用 ${res.withdrawn}），${res.files} 个文件，` +
            `${(res.bytes / 1024 / 1024).toFixed(1)} MB，${secs.toFixed(1)} 秒；数字摘要（SHA-256）${res.digest}`,
        );
        io.out(
          res.preCheck
            ? `  已记录为预检包 #${res.packageId}（npm run cli -- archive transfers 查看移交记录和移交后变更）`
            : `  已记录为移交包 #${res.packageId}：已生成，尚未记录移交（npm run cli -- archive transfers 查看）。` +
                `交给县档案馆后执行 npm run cli -- archive transfers --handed ${res.packageId} --date YYYY-MM-DD ` +
                `--receiver 接收单位和接收人 记录；不移交的用 --void ${res.packageId} --reason 原因 作废`,
        );
        if (res.ownerNotKept)
          io.out(
            `  输出目录原来的所有者 ${res.ownerNotKept.uid}:${res.ownerNotKept.gid} 未能保留（本用户无权 chown），` +
              `需要时请管理员执行 chown ${res.ownerNotKept.uid}:${res.ownerNotKept.gid} ${res.outDir}`,
          );
        if (res.unconfirmed > 0)
          io.out(
            `  另有 ${res.unconfirmed} 件已归档未确认，未包含在内；要一并移交，先确认归档：` +
              `npm run cli -- archive confirm --unit ${unit.code} --year ${values.year}（加 --dry-run 先看将编的档号），再导出`,
          );
        if (res.confirmedDuring > 0)
          io.out(`  另有 ${res.confirmedDuring} 件在导出期间确认归档，不在本包内；请再导出一次`);
        if (res.registrationPdf)
          io.out(
            'path' in res.registrationPdf
              ? `  登记表 PDF：${res.registrationPdf.path}`
              : `  登记表 PDF 未生成（DOCX_TO_PDF_COMMAND）：${res.registrationPdf.problem}`,
          );
        io.out(
          `  四性检测：${res.report.passed ? '通过' : `不通过（${errors} 项，见 其他/四性检测报告.xlsx）`}`,
        );
        return res.report.passed ? 0 : 1;
      } finally {
        if (!io.database) await database.close();
      }
    },
    io.err,
    where,
  );
}

/** `--concurrency N`: records copied at once, 1 to 64 (the copy threads are one per CPU anyway). */
function concurrencyOf(text: string): number {
  if (!/^[1-9]\d*$/.test(text) || Number(text) > 64)
    throw new AppError('usage', `--concurrency 须为 1 到 64 之间的整数（收到「${text}」）\n${USAGE}`);
  return Number(text);
}
