import { runToolCommand, shellQuote } from './tool-command.js';

export interface VirusScanResult {
  /** clean: exit 0; infected: exit 1 (clamscan's convention); error: anything else. */
  verdict: 'clean' | 'infected' | 'error';
  output: string;
}

export type VirusScanner = (path: string) => Promise<VirusScanResult>;

/**
 * A scanner from a command line template such as `clamscan --no-summary {file}` (VIRUS_SCAN_COMMAND):
 * `{file}` becomes the shell-quoted path (appended when the template has none). Runs under /bin/sh
 * with a timeout; output is kept short for the report.
 */
export function commandVirusScanner(template: string, timeoutMs = 10 * 60_000): VirusScanner {
  return async (path) => {
    const command = template.includes('{file}')
      ? template.split('{file}').join(shellQuote(path))
      : `${template} ${shellQuote(path)}`;
    const run = await runToolCommand(command, timeoutMs);
    if (run.kind === 'not-started') return { verdict: 'error', output: run.message };
    const text = run.output.slice(0, 500);
    if (run.kind === 'timed-out')
      return { verdict: 'error', output: text || `timed out after ${Math.round(timeoutMs / 1000)} s` };
    if (run.code === 0) return { verdict: 'clean', output: text };
    if (run.code === 1) return { verdict: 'infected', output: text };
    return { verdict: 'error', output: text || `exit ${run.code ?? run.signal}` };
  };
}
