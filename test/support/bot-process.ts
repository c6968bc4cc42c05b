import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json, dist/, config/ and drizzle/ are). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds dist/ when it is missing or older than src/ (scripts/build.mjs --if-stale; its lock lets
 * several test files ask at once). Tests of the compiled program call this first.
 */
export function ensureBuilt(): void {
  const res = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--if-stale'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (res.status !== 0) throw new Error(`build failed: ${res.stderr}${res.stdout}`);
}

export interface BotProcess {
  child: ChildProcess;
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** Parsed JSON log lines so far. */
  logs: () => Record<string, any>[];
  kill: (signal: NodeJS.Signals) => void;
  /** Resolves with the `bot started` log line (its `url`), or rejects when the process exits first. */
  started: (timeoutMs?: number) => Promise<{ url: string }>;
}

/** Runs a command as a real process with only PATH and the given environment. */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = repoRoot,
): BotProcess {
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  child.stderr!.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => (exited = true));
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  return {
    child,
    exit,
    stdout: () => out,
    stderr: () => err,
    logs,
    kill: (s) => child.kill(s),
    started: async (timeoutMs = 90_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const line = logs().find((l) => l.msg === 'bot started');
        if (line) return line as { url: string };
        if (exited || Date.now() > end)
          throw new Error(
            `no "bot started" (${exited ? 'exited' : 'timed out'}); stdout: ${out.slice(-1500)}; stderr: ${err.slice(-1500)}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end (a CLI) without blocking the test worker meanwhile; resolves with its
 * exit code and output. A process still running after `timeoutMs` is killed (it never outlives a test).
 */
export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = repoRoot,
  timeoutMs = 60_000,
): Promise<ProcessResult> {
  const p = startProcess(command, args, env, cwd);
  const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  return p.exit.then((code) => {
    clearTimeout(timer);
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  });
}

let built = false;

/**
 * `npm run cli -- …` as production runs it: plain node on the compiled dist/cli/<script> (built once
 * per test process when stale). Starting node on JavaScript costs a fraction of tsx's transform.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { cwd?: string; script?: string } = {},
): Promise<ProcessResult> {
  if (!built) ensureBuilt();
  built = true;
  return runProcess(
    process.execPath,
    [join(repoRoot, 'dist/cli', opts.script ?? 'main.js'), ...args],
    env,
    opts.cwd ?? repoRoot,
  );
}
