import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds something (the PGlite folder lock, a queue row's lease, a temp file): the host, the
 * process id and the process's start time. The start time tells a reused pid from the original
 * holder, so "that process is gone" can be decided at once instead of after a timeout.
 */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Start time in clock ticks since boot (Linux /proc/<pid>/stat field 22); '-' where unknown. */
  start: string;
}

/** The start time of a running process, or undefined (gone, a zombie, or not Linux). */
export function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return undefined; // dead, not yet reaped
    return rest[19]; // field 22 overall (rest starts at field 3)
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;
export function selfIdentity(): ProcessIdentity {
  self ??= { host: hostname(), pid: process.pid, start: processStartOf(process.pid) ?? '-' };
  return self;
}

/** `host:pid:start` (host names hold no colon). */
export const identityText = (id: ProcessIdentity): string => `${id.host}:${id.pid}:${id.start}`;

export function parseIdentity(text: string): ProcessIdentity | undefined {
  const [host, pid, start] = text.split(':');
  if (!host || !pid || !/^\d+$/.test(pid) || !start) return undefined;
  return { host, pid: Number(pid), start };
}

/**
 * Whether the process named is certainly gone: on this host, and no process has that pid, or the
 * process with that pid started at another time (the pid was reused). Another host's process, or
 * one we cannot see, is never declared gone (its lease or lock expires the slow way).
 */
export function isGone(id: ProcessIdentity): boolean {
  const me = selfIdentity();
  if (id.host !== me.host) return false;
  if (id.pid === me.pid) return id.start !== '-' && me.start !== '-' && id.start !== me.start;
  try {
    process.kill(id.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    // EPERM: it exists (another user's process); compare start times below.
  }
  const start = processStartOf(id.pid);
  if (start === undefined) return id.start !== '-' && process.platform === 'linux';
  return id.start !== '-' && start !== id.start;
}
