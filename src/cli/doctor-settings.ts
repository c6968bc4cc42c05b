import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, loadBaseConfig, type Env } from '../config.js';
import { errorMessage } from '../errors.js';
import type { DoctorLine } from '../ops/doctor.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { loadFileSettings } from '../settings.js';

/** Where the service's settings files go (deploy/archive-bot.env, README → Running as a service). */
const SERVICE_SETTINGS_DIR = '/etc/archive-bot';

/** A file inside the program's folder: the county's edits there stop the next upgrade's `git pull`. */
export function insideProgramFolder(file: string, root = PACKAGE_ROOT): boolean {
  const rel = relative(root, resolve(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * The doctor's line about schedules.yaml and archive.yaml, read by the same loader as the bot's start,
 * and a warning while either still lives in the program's folder (edited there, it makes `git pull`
 * stop at the next upgrade).
 */
export function settingsFilesLine(env: Env, root = PACKAGE_ROOT): DoctorLine {
  const label = '设置文件';
  let base;
  try {
    base = loadBaseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return { status: 'fail', label, detail: '无法判断（配置有误）' };
    throw err;
  }
  const { file } = base.schedules;
  const archiveFile = base.archive.configFile;
  try {
    const s = loadFileSettings(base);
    const notes = [
      s.schedulesDefaulted ? `未找到 ${file}，提醒和周报用默认时间` : `${file} 有效`,
      s.archive ? `${archiveFile} 有效` : `未找到 ${archiveFile}，确认归档和导出暂不可用`,
    ];
    const inside = (
      [
        ['SCHEDULES_FILE', file, 'schedules.yaml'],
        ['ARCHIVE_CONFIG', archiveFile, 'archive.yaml'],
      ] as const
    ).filter(([, f]) => existsSync(f) && insideProgramFolder(f, root));
    const files = inside.map(([, f]) => f);
    const move =
      inside.length === 0
        ? ''
        : `\n      ${files.join('、')} 在程序目录（${root}）里：在这里改过的设置，升级时 git pull 会因本地修改停下。` +
          `请复制到程序目录以外（install -m 640 -g archive-bot ${files.join(' ')} ${SERVICE_SETTINGS_DIR}/），` +
          `再在设置里写 ${inside.map(([name, , n]) => `${name}=${SERVICE_SETTINGS_DIR}/${n}`).join('、')}`;
    const warn = s.schedulesDefaulted || !s.archive || inside.length > 0;
    return { status: warn ? 'warn' : 'ok', label, detail: notes.join('；') + move };
  } catch (err) {
    // A bad value: the message names the file and the field; the bot would refuse to start.
    return { status: 'fail', label, detail: `${errorMessage(err)}\n      机器人启动会被拒绝` };
  }
}
