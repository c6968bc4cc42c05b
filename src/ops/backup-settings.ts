import { existsSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import { processGroupName } from '../process-user.js';

/** The folder of a backup holding the county's settings files and the session key. */
const SETTINGS_DIR = 'settings';

/**
 * What the county made on the machine besides the database and the files: without them a new machine's
 * reminders fell back to the shipped schedules, 确认归档 was refused (the sample 全宗号), the holiday
 * table was gone and everyone was signed out.
 */
export type SettingKind = 'schedules' | 'archive' | 'holidays' | 'session-secret';

/** A settings file in a backup (backup.json `settings`). */
export interface SavedSetting {
  kind: SettingKind;
  /** Where it was on the machine backed up (full path). */
  from: string;
  /** In the backup folder: settings/<name>. */
  path: string;
}

/** Where the settings files are on this machine (its SCHEDULES_FILE, ARCHIVE_CONFIG, HOLIDAYS_FILE, DATA_DIR). */
export interface SettingsPlaces {
  schedulesFile: string;
  archiveConfig: string;
  holidaysFile: string;
  dataDir: string;
}

const NAMES: Record<SettingKind, string> = {
  schedules: 'schedules.yaml',
  archive: 'archive.yaml',
  holidays: 'holidays.yaml',
  'session-secret': 'session-secret',
};

const LABELS: Record<SettingKind, string> = {
  schedules: '提醒时间表（SCHEDULES_FILE）',
  archive: '档案设置（ARCHIVE_CONFIG，含全宗号）',
  holidays: '节假日表（HOLIDAYS_FILE）',
  'session-secret': '网页登录密钥',
};

function placeOf(kind: SettingKind, p: SettingsPlaces): string {
  if (kind === 'schedules') return resolve(p.schedulesFile);
  if (kind === 'archive') return resolve(p.archiveConfig);
  if (kind === 'holidays') return resolve(p.holidaysFile);
  return resolve(p.dataDir, 'session-secret');
}

/**
 * Copies the settings files that exist into `out`/settings (the session key 0600, as in DATA_DIR): the
 * manifest written after covers them.
 */
export async function backupSettings(out: string, places: SettingsPlaces): Promise<SavedSetting[]> {
  const saved: SavedSetting[] = [];
  for (const kind of Object.keys(NAMES) as SettingKind[]) {
    const from = placeOf(kind, places);
    if (!statSync(from, { throwIfNoEntry: false })?.isFile()) continue;
    const path = `${SETTINGS_DIR}/${NAMES[kind]}`;
    await mkdir(join(out, SETTINGS_DIR), { recursive: true });
    await copyFile(from, join(out, path));
    if (kind === 'session-secret') await chmod(join(out, path), 0o600);
    saved.push({ kind, from, path });
  }
  return saved;
}

/**
 * The sentence backup.json and the backup's output carry: the settings file with the secrets (Lark's
 * app secret, DATABASE_URL's password, S3 keys) is not in the backup. A backup travels (a USB disk, the
 * archive bureau's shelf) and is read to restore data; those secrets act as the bot (read the chats, write
 * the database), and Lark and PostgreSQL can issue them anew, which the county's own settings cannot be.
 */
export function envFileNotSavedText(envFiles: readonly string[] | undefined): string {
  const files = envFiles?.length
    ? envFiles.join('、')
    : '/etc/archive-bot/archive-bot.env（PC 上：程序目录的 .env）';
  return `机器人的设置文件 ${files}（飞书应用密钥、DATABASE_URL 的密码等）不在备份里：请另外保存一份（密码保险箱或只有管理员能拿到的地方），换机器时先放回它`;
}

/** DATA_DIR/session-secret from the backup, 0600 (inside the restore's marker: undone with it). */
export async function restoreSessionSecret(
  from: string,
  saved: SavedSetting[],
  dataDir: string,
): Promise<void> {
  const secret = saved.find((s) => s.kind === 'session-secret');
  if (!secret) return;
  await writeFile(join(dataDir, 'session-secret'), await readFile(join(from, secret.path)), { mode: 0o600 });
}

/**
 * The settings files (not the session key, restoreSessionSecret) put where this machine's settings name
 * them, after the database and files are restored: written where none is; one the same left alone; one
 * that differs never overwritten (a new machine's shipped copy, or the county's own newer one), and one
 * that cannot be written (/etc/archive-bot is root's): the command that copies it. Lines for the person.
 */
export async function restoreSettings(
  from: string,
  saved: SavedSetting[] | undefined,
  places: SettingsPlaces,
): Promise<{ done: string[]; todo: string[] }> {
  const done: string[] = [];
  const todo: string[] = [];
  if (!saved) {
    todo.push(
      '这个备份里没有设置文件（做备份的程序较旧）：请从原来的机器复制 SCHEDULES_FILE、ARCHIVE_CONFIG、HOLIDAYS_FILE 指向的文件（schedules.yaml、archive.yaml、holidays.yaml），放到这台机器的设置指向的位置',
    );
    return { done, todo };
  }
  for (const s of saved) {
    if (s.kind === 'session-secret') {
      done.push(`${LABELS[s.kind]}：已放回 ${placeOf(s.kind, places)}（登录的人不用重新登录）`);
      continue;
    }
    const source = resolve(from, s.path);
    const target = placeOf(s.kind, places);
    const content = await readFile(source);
    const install = `install -D -m 640 -g ${processGroupName()} ${source} ${target}`;
    if (existsSync(target)) {
      const current = await readFile(target).catch(() => undefined);
      if (current?.equals(content)) done.push(`${LABELS[s.kind]}：${target} 与备份的相同`);
      else
        todo.push(
          `${LABELS[s.kind]} ${target} 已存在，和备份的不同，没有覆盖。要用备份的（原来机器的 ${s.from}）：${install}（以 root 运行）`,
        );
      continue;
    }
    try {
      await mkdir(resolve(target, '..'), { recursive: true });
      await writeFile(target, content, { mode: 0o640, flag: 'wx' });
      done.push(`${LABELS[s.kind]}：已放回 ${target}`);
    } catch (err) {
      todo.push(`${LABELS[s.kind]} 没能放回 ${target}（${errorMessage(err)}）：请以 root 运行 ${install}`);
    }
  }
  return { done, todo };
}
