import { readFileSync } from 'node:fs';

/**
 * CPU accounting from /proc (Linux): how much of the machine the bench itself used during a run, and how
 * much went to other processes (other people's tests on a shared machine make the figures noisy).
 * Everything is in clock ticks (USER_HZ); on other systems every figure is NaN.
 */
export interface CpuSample {
  /** Busy ticks of the whole machine (user + nice + system + irq + softirq + steal). */
  busy: number;
  /** All ticks of the whole machine (busy + idle + iowait). */
  total: number;
  /** Ticks used by the processes under test (this process, the server, its PostgreSQL backends). */
  ours: number;
}

/** CPU ticks (user + system) a process used so far; 0 when it is gone or not on Linux. */
export const procTicks = (pid: number | 'self'): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
};

/** `pids`: the processes under test besides this one (the server, the PostgreSQL backends serving it). */
export function sampleCpu(pids: number[]): CpuSample {
  try {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = v as number[];
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    let ours = procTicks('self');
    for (const pid of pids) ours += procTicks(pid);
    return { busy, total: busy + idle! + iowait!, ours };
  } catch {
    return { busy: NaN, total: NaN, ours: NaN };
  }
}

/** Cores used by the bench and by everything else between two samples. */
export function cpuBetween(a: CpuSample, b: CpuSample, cores: number): { ours: number; others: number } {
  const wall = (b.total - a.total) / cores; // ticks per core
  const ours = (b.ours - a.ours) / wall;
  const others = Math.max(0, (b.busy - a.busy - (b.ours - a.ours)) / wall);
  return { ours, others };
}
