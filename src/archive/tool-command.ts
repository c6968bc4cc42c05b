import { spawn } from 'node:child_process';
import { toolEnvironment } from '../child-environment.js';

/** A path or value for a command line run by /bin/sh, single-quoted. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export type ToolRun =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; output: string }
  | { kind: 'timed-out'; output: string }
  | { kind: 'not-started'; message: string };

/**
 * Runs an operator's command line (virus scanner, DOCX converter) under /bin/sh in its own process
 * group, with no secrets in its environment (toolEnvironment); at the timeout the whole group is
 * killed, so a shell's children (soffice, clamscan) do not outlive it. Keeps the first 2,000
 * characters of stdout and stderr, trimmed.
 */
export function runToolCommand(command: string, timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: toolEnvironment(),
    });
    let output = '';
    const keep = (d: Buffer) => {
      if (output.length < 2000) output += d.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ kind: 'not-started', message: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = output.trim();
      resolve(
        timedOut ? { kind: 'timed-out', output: text } : { kind: 'exited', code, signal, output: text },
      );
    });
  });
}
