import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ENCRYPT_KEY, TEST_VERIFICATION_TOKEN } from './events.js';
import type { FakeLark } from './fake-lark/server.js';

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

/**
 * The environment of a bot process in webhook mode against the fake Lark, on `dataDir`: the app's
 * credentials, the keys test events are signed and encrypted with, any free port on 127.0.0.1, info
 * logs (JSON lines, read by `BotProcess.logs`), and no reconciliation. Callers add what they test.
 */
export function webhookBotEnv(
  fake: Pick<FakeLark, 'appId' | 'appSecret' | 'baseUrl'>,
  dataDir: string,
): Record<string, string> {
  return {
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.baseUrl,
    LARK_EVENT_MODE: 'webhook',
    LARK_ENCRYPT_KEY: TEST_ENCRYPT_KEY,
    LARK_VERIFICATION_TOKEN: TEST_VERIFICATION_TOKEN,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    RECONCILE_INTERVAL_MINUTES: '0',
  };
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
  // 'close', not 'exit': 'exit' can come before the last of the child's stderr has been read (on a
  // loaded machine a start's one "Cannot start" line was missing from what the test saw).
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
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
