import { localDateTime } from '../domain/catalogue-date.js';
import { BUILD_INFO } from './build-info.js';
import type { DoctorLine } from './doctor.js';

const LABEL = '运行的版本';
const RESTART = 'sudo systemctl restart archive-bot';

/** What the running bot's /metrics says it is (BUILD_INFO's labels); undefined when it does not say. */
export function runningBuild(
  metrics: Map<string, number>,
): { version: string; migrations: number | undefined; built: string | undefined } | undefined {
  for (const key of metrics.keys()) {
    if (!key.startsWith(`${BUILD_INFO}{`)) continue;
    const labels = new Map([...key.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const version = labels.get('version');
    if (!version) return undefined;
    const migrations = Number(labels.get('migrations'));
    return {
      version,
      migrations: Number.isInteger(migrations) ? migrations : undefined,
      built: labels.get('built') || undefined,
    };
  }
  return undefined;
}

/**
 * The 运行的版本 line: whether the bot answering on HOST:PORT runs the installed program. After an
 * upgrade (git pull, npm ci, npm run build) without `systemctl restart`, the old program goes on
 * running: the check-up read the installed code's version and said ✓ 数据库 由运行中的机器人使用
 * （启动时已执行迁移）, while the new code's migrations were not applied and its fixes not running.
 * `installed`: this program's version, how many migrations it ships and when its dist/ was compiled
 * (the version alone stays the same between releases pulled with git).
 */
export function botVersionLine(
  metrics: Map<string, number>,
  installed: { version: string; migrations: number; built: string | undefined },
  timeZone: string,
): DoctorLine {
  const running = runningBuild(metrics);
  if (!running)
    // Every bot since build info came reports it: one that does not is older than the installed code.
    return {
      status: 'warn',
      label: LABEL,
      detail:
        `运行中的机器人没有报告版本（/metrics 里没有 ${BUILD_INFO}），比安装的 ${installed.version} 旧：` +
        `升级后还没有重启？重启才会运行新版本：${RESTART}`,
    };
  const rebuilt =
    running.built !== undefined && installed.built !== undefined && running.built !== installed.built;
  if (running.version === installed.version && running.migrations === installed.migrations && !rebuilt)
    return { status: 'ok', label: LABEL, detail: `${running.version}，与安装的程序相同` };
  const compiled = (iso: string) => `${localDateTime(new Date(iso), timeZone).slice(0, 16)} 编译的 `;
  const both =
    running.version === installed.version && rebuilt
      ? `运行中的机器人是 ${compiled(running.built!)}${running.version}，安装的程序是 ${compiled(installed.built!)}${installed.version}`
      : `运行中的机器人是 ${running.version}，安装的程序是 ${installed.version}`;
  if (running.migrations !== undefined && running.migrations < installed.migrations)
    return {
      status: 'fail',
      label: LABEL,
      detail:
        `${both}：安装的程序有 ${installed.migrations - running.migrations} 个迁移，运行中的机器人还没有执行（它有 ${running.migrations} 个，安装的有 ${installed.migrations} 个）。` +
        `升级后还没有重启？重启后机器人执行迁移并运行新版本：${RESTART}`,
    };
  if (running.migrations !== undefined && running.migrations > installed.migrations)
    return {
      status: 'fail',
      label: LABEL,
      detail:
        `${both}：运行中的机器人执行过的迁移（${running.migrations} 个）比安装的程序（${installed.migrations} 个）多，` +
        `重启后安装的程序会拒绝这个数据库、启动不了。先装回 ${running.version}，不要重启`,
    };
  // Put back an older program (or a copy compiled before the running one): a restart would go back to it.
  if (installedIsOlder(running, installed, rebuilt))
    return {
      status: 'warn',
      label: LABEL,
      detail:
        `${both}：安装的程序比运行中的旧，重启后会运行旧的程序。` +
        `若不是有意装回旧版本，先重新安装 ${running.version}（README「Check-up, backup, restore, upgrade」），不要重启`,
    };
  return {
    status: 'warn',
    label: LABEL,
    detail: `${both}。升级后还没有重启？重启才会运行安装的版本：${RESTART}`,
  };
}

/** Whether the installed program is older than the running one: a lower version, or the same one compiled earlier. */
function installedIsOlder(
  running: { version: string; built: string | undefined },
  installed: { version: string; built: string | undefined },
  rebuilt: boolean,
): boolean {
  if (running.version === installed.version) return rebuilt && installed.built! < running.built!;
  return compareVersions(installed.version, running.version) < 0;
}

/** 0.10.1 against 0.9.3, part by part as numbers (a part that is not a number compares as 0). */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number(x) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
