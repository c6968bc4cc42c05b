import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { REPORT_XLSX } from '../archive/four-properties-report.js';
import { RUN_FOLDER_PREFIX, runIdOf, validRunId } from '../domain/four-properties-run-id.js';

/** Where the bot's four-properties runs write their folders (npm run verify's default too). */
export const fourPropertiesReportsDir = (dataDir: string): string => join(dataDir, 'reports');

/**
 * What a run checked, beside its report: the download link's access check reads this, not the report
 * JSON (which lists every failure and can be as large as the Excel that was too big for the chat).
 */
const SCOPE_JSON = '检测范围.json';

export interface RunScope {
  /** The unit whose subtree was checked; absent: the whole archive. */
  unitId?: number;
  year?: number;
}

/**
 * A new run folder `四性检测-<stamp>` under reportsDir, made with its scope: never an earlier run's
 * (a second run in the same second, another unit's 四性检测, gets `-2`, and would otherwise have
 * written its report over the first one's).
 */
export async function makeRunFolder(
  reportsDir: string,
  stamp: string,
  scope: RunScope,
): Promise<{ id: string; dir: string }> {
  let madeParent = false;
  for (let n = 1; ; n++) {
    const id = runIdOf(stamp, n);
    const dir = join(reportsDir, `${RUN_FOLDER_PREFIX}${id}`);
    try {
      await mkdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && n < 9999) continue;
      if (code !== 'ENOENT' || madeParent) throw err;
      // The first run: the reports folder is made, then this name is tried again.
      await mkdir(reportsDir, { recursive: true });
      madeParent = true;
      n--;
      continue;
    }
    await writeFile(
      join(dir, SCOPE_JSON),
      JSON.stringify({ unitId: scope.unitId, year: scope.year }) + '\n',
      'utf8',
    );
    return { id, dir };
  }
}

export interface FoundRun {
  id: string;
  scope: RunScope;
  /** The run's Excel report, inside its folder. */
  xlsx: string;
}

/**
 * The run an id names: its folder directly under reportsDir (a real folder, not a link to one
 * elsewhere) with its scope. Undefined for an id not of a run's shape, a folder gone, or one written
 * before runs recorded their scope.
 */
export async function findRun(reportsDir: string, id: unknown): Promise<FoundRun | undefined> {
  const runId = validRunId(id);
  if (!runId) return undefined;
  const dir = join(reportsDir, `${RUN_FOLDER_PREFIX}${runId}`);
  const folder = await lstat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) return undefined;
  const scopeFile = join(dir, SCOPE_JSON);
  const kept = await lstat(scopeFile).catch(() => undefined);
  if (!kept?.isFile() || kept.size > 4096) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(scopeFile, 'utf8'));
  } catch {
    return undefined;
  }
  const { unitId, year } = (raw ?? {}) as Record<string, unknown>;
  const whole = (v: unknown) => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : undefined);
  if ((unitId !== undefined && !whole(unitId)) || (year !== undefined && !whole(year))) return undefined;
  return { id: runId, scope: { unitId: whole(unitId), year: whole(year) }, xlsx: join(dir, REPORT_XLSX) };
}

/**
 * The run's Excel report opened for reading: a regular file only (O_NOFOLLOW: a link put in its place
 * is not followed out of the folder), its size from the open file. Undefined when it is not there.
 */
export async function openRunReport(run: FoundRun): Promise<{ stream: Readable; size: number } | undefined> {
  const file = await open(run.xlsx, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!file) return undefined;
  const st = await file.stat();
  if (!st.isFile()) {
    await file.close();
    return undefined;
  }
  return { stream: file.createReadStream(), size: st.size };
}
