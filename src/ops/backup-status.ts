import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { BackupRun, BackupStatus } from '../domain/backup-status.js';

/**
 * DATA_DIR/backup-status.json: how the last backup ended and when the last complete one was made,
 * written by the backup command itself (with or without the nightly script), read by the bot's
 * 「备份没有按时完成」 alert, the doctor and /readyz. A file, not a table: it is written when the
 * database is what failed, and on the embedded database while the bot is stopped.
 */
export const BACKUP_STATUS_FILE = 'backup-status.json';

const run = z.object({
  at: z.coerce.date(),
  outcome: z.enum(['complete', 'incomplete', 'failed']),
  folder: z.string(),
  missing: z.number().optional(),
  error: z.string().optional(),
});
const status = z.object({ last: run, lastComplete: run.optional() });

/** The recorded status; undefined when no backup ever recorded one here (or the file is unreadable). */
export async function readBackupStatus(dataDir: string): Promise<BackupStatus | undefined> {
  const file = join(dataDir, BACKUP_STATUS_FILE);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = status.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Records a backup run (a new file, then renamed over the old: never half-written). A DATA_DIR that
 * does not exist is not made (a backup run with the wrong settings must not leave a data folder).
 */
export async function recordBackupRun(dataDir: string, r: BackupRun): Promise<void> {
  if (!existsSync(dataDir)) return;
  const before = await readBackupStatus(dataDir).catch(() => undefined);
  const next: BackupStatus = {
    last: r,
    ...(r.outcome === 'complete'
      ? { lastComplete: r }
      : before?.lastComplete
        ? { lastComplete: before.lastComplete }
        : {}),
  };
  const file = join(dataDir, BACKUP_STATUS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o644 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
