import { spawn } from 'node:child_process';
import { toolEnvironment } from '../child-environment.js';

export interface VirusScanResult {
  /** clean: exit 0; infected: exit 1 (clamscan's convention); error: anything else. */
  verdict: 'clean' | 'infected' | 'error';
  output: string;
}

export type VirusScanner = (path: string) => Promise<VirusScanResult>;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A scanner from a command line template such as `clamscan --no-summary {file}` (VIRUS_SCAN_COMMAND):
 * `{file}` becomes the shell-quoted path (appended when the template has none). Runs under /bin/sh
 * with a timeout; output is kept short for the report.
 */
export function commandVirusScanner(template: string, timeoutMs = 10 * 60_000): VirusScanner {
  return (path) =>
    new Promise((resolve) => {
      const command = template.includes('{file}')
        ? template.split('{file}').join(quote(path))
        : `${template} ${quote(path)}`;
      const child = spawn('/bin/sh', ['-c', command], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: toolEnvironment(),
      });
      let output = '';
      const keep = (d: Buffer) => {
        if (output.length < 2000) output += d.toString('utf8');
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ verdict: 'error', output: err.message });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const text = output.trim().slice(0, 500);
        if (code === 0) resolve({ verdict: 'clean', output: text });
        else if (code === 1) resolve({ verdict: 'infected', output: text });
        else resolve({ verdict: 'error', output: text || `exit ${code ?? signal}` });
      });
    });
}
