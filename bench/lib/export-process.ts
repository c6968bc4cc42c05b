/**
 * Runs the export as the operator does (`npm run export` starts `node dist/cli/export.js`) in a
 * process of its own, and watches it from /proc (Linux): its peak RSS (VmHWM, the kernel's own
 * high-water mark, read every 20 ms: what the process reaches in its last 20 ms can be missed) and
 * the CPU time it used (user + system, all its threads, read the same way). Elsewhere both read NaN.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { procTicks } from './cpu-usage.js';

export interface ExportRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Process start to exit. */
  wallS: number;
  peakRssMb: number;
  /** User + system CPU seconds of the process (clock ticks, usually 10 ms). */
  cpuS: number;
}

const TICKS_PER_S = 100; // USER_HZ on Linux

const vmHwmMb = (pid: number): number => {
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
};

export function runExportCli(
  root: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<ExportRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...exportNodeArgs(), join(root, 'dist/cli/export.js'), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peak = NaN;
    let ticks = 0;
    const sample = () => {
      const hwm = vmHwmMb(child.pid!);
      if (!Number.isNaN(hwm)) peak = Number.isNaN(peak) ? hwm : Math.max(peak, hwm);
      ticks = Math.max(ticks, procTicks(child.pid!));
    };
    const timer = setInterval(sample, 20);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        wallS: Number(process.hrtime.bigint() - started) / 1e9,
        peakRssMb: peak,
        cpuS: ticks > 0 ? ticks / TICKS_PER_S : NaN,
      });
    });
  });
}

/** Extra Node options for the export process (BENCH_EXPORT_NODE_ARGS, e.g. --cpu-prof): how to profile it. */
function exportNodeArgs(): string[] {
  return (process.env.BENCH_EXPORT_NODE_ARGS ?? '').split(' ').filter(Boolean);
}
