import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DbKind, Variant } from './variants.js';

const SERVER = fileURLToPath(new URL('../intake-server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  port: number;
  pid: number;
  /** Every row of inbound_events (event ids in insertion order). */
  rows(): Promise<{ rows: number; eventIds: string[] }>;
  /** Asks the server to close (PGlite must release its folder lock), kills it after 10 s. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every server still running (called on errors and signals; each child is killed by its own pid). */
export function killAllServers(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts bench/intake-server.ts in a child process and waits for its `PORT <n>` line. */
export async function startServer(
  variant: Variant,
  db: DbKind,
  env: Record<string, string> = {},
  execArgv: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...execArgv, '--import', 'tsx', SERVER, variant, db], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => live.delete(child));

  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${variant}/${db} server did not start within 60 s`)),
      60_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${variant}/${db} server exited with code ${code} before listening`));
    });
  });

  const request = <T>(msg: object): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (reply: any) => {
        child.off('message', onMessage);
        if (reply?.error) reject(new Error(`server: ${reply.error}`));
        else resolve(reply as T);
      };
      child.on('message', onMessage);
      child.send(msg);
    });

  return {
    port,
    pid: child.pid!,
    rows: () => request({ cmd: 'rows' }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ cmd: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`${variant}/${db} server exited with code ${code}`);
    },
  };
}

/** Creates and migrates a PGlite folder in a child process (to be copied for each server). */
export async function initPgliteFolder(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, 'init', 'pglite'], {
    cwd: ROOT,
    env: { ...process.env, BENCH_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  live.delete(child);
  if (code !== 0 || !out.includes('READY'))
    throw new Error(`PGlite init in ${dataDir} failed (exit ${code})`);
}
