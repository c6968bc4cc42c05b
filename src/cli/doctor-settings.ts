import { ConfigError, loadBaseConfig, type Env } from '../config.js';
import { errorMessage } from '../errors.js';
import type { DoctorLine } from '../ops/doctor.js';
import { loadFileSettings } from '../settings.js';

/** The doctor's line about schedules.yaml and archive.yaml, read by the same loader as the bot's start. */
export function settingsFilesLine(env: Env): DoctorLine {
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
    return { status: s.schedulesDefaulted || !s.archive ? 'warn' : 'ok', label, detail: notes.join('；') };
  } catch (err) {
    // A bad value: the message names the file and the field; the bot would refuse to start.
    return { status: 'fail', label, detail: `${errorMessage(err)}\n      机器人启动会被拒绝` };
  }
}
