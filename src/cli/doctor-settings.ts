import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, envFilesOf, loadBaseConfig, type Env } from '../config.js';
import { sampleArchiveNames } from '../archive/archive-config.js';
import { isSampleFonds } from '../domain/sample-fonds.js';
import { errorMessage } from '../errors.js';
import type { DoctorLine } from '../ops/doctor.js';
import { insideProgramFolder, PACKAGE_ROOT } from '../package-root.js';
import { loadFileSettings } from '../settings.js';

/** Where the service's settings files go (deploy/archive-bot.env, README → Running as a service). */
const SERVICE_SETTINGS_DIR = '/etc/archive-bot';

/**
 * The settings file this run read (`node --env-file=it.env …`: it.env, not the program folder's .env,
 * which is then not read), where SCHEDULES_FILE and the rest are to be written; none read: `.env`.
 */
function settingsFileOf(env: Env): string {
  const read = envFilesOf(env);
  return read.length > 0 ? ` ${read.join('、')} ` : '程序目录的 .env ';
}

/**
 * The doctor's line about schedules.yaml, archive.yaml and (when there is one) holidays.yaml, read by the same loader as the bot's start,
 * and a warning while either still lives in the program's folder (edited there, it makes `git pull`
 * stop at the next upgrade), saying where they go: on a server installed as a service (its settings
 * folder `serviceDir` exists, README → Running as a service) the `install` into it; elsewhere (a PC)
 * a folder beside the program's, named in the settings file read (`.env`, or `--env-file`'s; README →
 * First setup for a county).
 */
export function settingsFilesLine(
  env: Env,
  root = PACKAGE_ROOT,
  serviceDir = SERVICE_SETTINGS_DIR,
): DoctorLine {
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
      ...(s.holidays
        ? [`${base.schedules.holidaysFile} 有效（${[...s.holidays.years.keys()].join('、')} 年）`]
        : []),
    ];
    const inside = (
      [
        ['SCHEDULES_FILE', file, 'schedules.yaml'],
        ['ARCHIVE_CONFIG', archiveFile, 'archive.yaml'],
        ['HOLIDAYS_FILE', base.schedules.holidaysFile, 'holidays.yaml'],
      ] as const
    ).filter(([, f]) => existsSync(f) && insideProgramFolder(f, root));
    const files = inside.map(([, f]) => f);
    const onServer = existsSync(serviceDir);
    const to = onServer ? serviceDir : join(dirname(root), 'archive-bot-settings');
    const vars = inside.map(([name, , n]) => `${name}=${join(to, n)}`).join('、');
    const move =
      inside.length === 0
        ? ''
        : `\n      ${files.join('、')} 在程序目录（${root}）里：在这里改过的设置，升级时 git pull 会因本地修改停下。` +
          (onServer
            ? `请复制到程序目录以外（install -m 640 -g archive-bot ${files.join(' ')} ${serviceDir}/），` +
              `再在 ${join(serviceDir, 'archive-bot.env')} 里写 ${vars}`
            : `请复制到程序目录以外的文件夹，例如 ${to}，再在${settingsFileOf(env)}里写 ${vars}`);
    // The shipped sample's names: the export would stamp them into 说明文件 and the 档号's 全宗号.
    const sample = s.archive ? sampleArchiveNames(s.archive) : [];
    const sampleNote =
      sample.length === 0
        ? ''
        : `\n      ${archiveFile} 里还是示例的${sample.join('、')}：确认归档前改成县档案馆给定的全宗号、全宗名称和移交、接收单位` +
          '（档号一经确认永不改号，移交包的说明文件也写这些）' +
          // The bot refuses 确认归档 under the sample fonds (sample-fonds-guard.ts): say so before anyone tries.
          (s.archive && isSampleFonds(s.archive.fonds)
            ? '；全宗还是示例时确认归档会被拒绝（用 units fonds 设了自己全宗的单位除外）'
            : '');
    const warn = s.schedulesDefaulted || !s.archive || inside.length > 0 || sample.length > 0;
    return { status: warn ? 'warn' : 'ok', label, detail: notes.join('；') + sampleNote + move };
  } catch (err) {
    // A bad value: the message names the file and the field; the bot would refuse to start.
    return { status: 'fail', label, detail: `${errorMessage(err)}\n      机器人启动会被拒绝` };
  }
}
