/**
 * `npm run verify -- [--unit CODE] [--year YYYY] [--out DIR]` — the DA/T 70 four-properties check:
 * re-hashes every archived file, checks formats, numbering, fields and the audit trail, and writes
 * 四性检测报告.json / .xlsx (default under DATA_DIR/reports). Never changes anything.
 * Exit codes: 0 passed, 1 failures found (or an error), 2 usage.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { terminalProgress } from '../archive/progress.js';
import { getUnitByCode } from '../db/repos/units.js';
import { CHECK_LABELS, PROPERTIES, PROPERTY_LABELS } from '../domain/four-properties.js';
import { readEnv } from '../env.js';
import { loadCliSettings } from '../settings.js';
import { archiveCliSetup } from './archive-cli-setup.js';
import { AppError, errorMessage } from '../errors.js';
import { systemClock } from '../ports/clock.js';
import { runFourPropertiesCheck } from '../usecases/check-four-properties-run.js';
import { openCliDb } from './open-cli-db.js';
import { runMain } from './run-main.js';

const USAGE = 'Usage: npm run verify -- [--unit CODE] [--year YYYY] [--out DIR]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { unit: { type: 'string' }, year: { type: 'string' }, out: { type: 'string' } },
    }));
  } catch (err) {
    console.error(`${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  const year = values.year !== undefined ? Number(values.year) : undefined;
  if (year !== undefined && !/^\d{4}$/.test(values.year!)) {
    console.error(USAGE);
    return 2;
  }
  const settings = loadCliSettings(readEnv());
  const setup = await archiveCliSetup(settings);
  const database = await openCliDb(settings);
  try {
    const unit = values.unit ? await getUnitByCode(database.db, values.unit) : undefined;
    if (values.unit && !unit) throw new AppError('usage', `找不到单位 ${values.unit}`);
    const run = await runFourPropertiesCheck(
      { db: database.db, clock: systemClock, progress: terminalProgress(), ...setup },
      { unitId: unit?.id, year },
      values.out ?? join(setup.dataDir, 'reports'),
    );
    const r = run.report;
    console.log(
      `四性检测：${r.passed ? '通过' : '不通过'}（${r.totals.records} 条，${r.totals.files} 个文件）`,
    );
    for (const p of PROPERTIES)
      console.log(`  ${PROPERTY_LABELS[p]}：检测 ${r.summary[p].checked}，不合格 ${r.summary[p].failed}`);
    for (const f of r.failures.slice(0, 50))
      console.log(
        `  - [${PROPERTY_LABELS[f.property]}/${CHECK_LABELS[f.check]}] ${f.archivalCode ?? f.file ?? ''} ${f.message}`,
      );
    if (r.failures.length > 50) console.log(`  …另有 ${r.failures.length - 50} 项，见报告`);
    console.log(`报告：${run.json}\n      ${run.xlsx}`);
    return r.passed ? 0 : 1;
  } finally {
    await database.close();
  }
}

runMain(main);
