import { parseCliOptions } from './cli-options.js';
import { silentProgress, type Progress } from '../archive/progress.js';
import { getUnitByCode } from '../db/repos/units.js';
import { CHECK_LABELS, PROPERTIES, PROPERTY_LABELS } from '../domain/four-properties.js';
import { loadCliSettings } from '../settings.js';
import { archiveCliSetup } from './archive-cli-setup.js';
import { AppError } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { runFourPropertiesCheck } from '../usecases/check-four-properties-run.js';
import { fourPropertiesReportsDir } from '../usecases/four-properties-run-folder.js';
import { noDatabaseText, saidServiceSettingsUnread } from './no-database.js';
import { openCliDb } from './open-cli-db.js';
import { exitCodeOf } from './run-main.js';
import type { CliIo } from './run-cli.js';
import { outFolderRefusedText, type WriteContext } from './write-refused.js';

const USAGE = '用法: npm run verify -- [--unit CODE] [--year YYYY] [--out DIR]';

/**
 * `npm run verify -- [--unit CODE] [--year YYYY] [--out DIR]` (`argv` without node and the script):
 * the DA/T 70 four-properties check — re-hashes every archived file, checks formats, numbering,
 * fields and the audit trail, and writes 四性检测报告.json / .xlsx (default under DATA_DIR/reports).
 * Never changes anything. Returns the exit code: 0 passed, 1 failures found (or an error), 2 usage.
 * verify.ts exits with it; a test may call it in its own process (on `io.database` when given).
 */
export function runVerify(argv: readonly string[], io: CliIo & { progress?: Progress }): Promise<number> {
  const where: WriteContext = {};
  return exitCodeOf(
    async () => {
      const values = parseCliOptions(
        argv,
        { unit: { type: 'string' }, year: { type: 'string' }, out: { type: 'string' } },
        USAGE,
      );
      const year = values.year !== undefined ? Number(values.year) : undefined;
      if (year !== undefined && !/^\d{4}$/.test(values.year!)) throw new AppError('usage', USAGE);
      // Run on a server without the service's settings (as after a restore) it created an empty
      // database under ./data and said 通过（0 条）; or it checked the ./data an earlier such run made.
      const command = ['dist/cli/verify.js', ...argv].join(' ');
      if (saidServiceSettingsUnread(io, command)) return 1;
      const settings = loadCliSettings(io.env);
      const setup = await archiveCliSetup(settings);
      const nothing = io.database ? undefined : noDatabaseText(settings, command);
      if (nothing) {
        io.err(nothing);
        return 1;
      }
      // Re-hashing every file took its time before the report's folder was found unwritable.
      const reports = {
        dir: values.out ?? fourPropertiesReportsDir(setup.dataDir),
        label: '报告目录',
        option: '--out',
      };
      where.dataDir = setup.dataDir;
      where.places = [reports];
      const refused = outFolderRefusedText(reports);
      if (refused) {
        io.err(refused);
        return 1;
      }
      const database = io.database ?? (await openCliDb(settings, io.err));
      try {
        const unit = values.unit ? await getUnitByCode(database.db, values.unit) : undefined;
        if (values.unit && !unit) throw new AppError('usage', `找不到单位 ${values.unit}`);
        const run = await runFourPropertiesCheck(
          { db: database.db, clock: systemClock, progress: io.progress ?? silentProgress, ...setup },
          { unitId: unit?.id, year },
          reports.dir,
        );
        const r = run.report;
        io.out(
          `四性检测：${r.passed ? '通过' : '不通过'}（${r.totals.records} 条，${r.totals.files} 个文件）`,
        );
        for (const p of PROPERTIES)
          io.out(`  ${PROPERTY_LABELS[p]}：检测 ${r.summary[p].checked}，不合格 ${r.summary[p].failed}`);
        for (const f of r.failures.slice(0, 50))
          io.out(
            `  - [${PROPERTY_LABELS[f.property]}/${CHECK_LABELS[f.check]}] ${f.archivalCode ?? f.file ?? ''} ${f.message}`,
          );
        if (r.failures.length > 50) io.out(`  …另有 ${r.failures.length - 50} 项，见报告`);
        io.out(`报告：${run.json}\n      ${run.xlsx}`);
        return r.passed ? 0 : 1;
      } finally {
        if (!io.database) await database.close();
      }
    },
    io.err,
    where,
  );
}
