import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The unprivileged user root runs the compiled bot as, where a test needs permission bits to count. */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

/**
 * A Node binary `nobody` may run, and a cleanup. npx's Node (CI's Node 24 pass) lives under /root,
 * closed to others: spawning it as `nobody` fails with EACCES, so a copy is made in a 0755 folder.
 */
export function nodeForNobody(): { node: string; cleanup: () => void } {
  if (!spawnSync(process.execPath, ['-e', ''], NOBODY).error)
    return { node: process.execPath, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'archive-bot-node-'));
  chmodSync(dir, 0o755);
  const node = join(dir, 'node');
  copyFileSync(process.execPath, node);
  chmodSync(node, 0o755);
  return { node, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A compiled entry (`dist/<entry>`) run to its end on `node`, as `nobody` when `asNobody`, from the
 * repository with only PATH and `env` set: its exit code and standard error ('close', so the last
 * stderr line is in).
 */
export function runCompiled(
  node: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
  asNobody: boolean,
  repoRoot: string,
): Promise<{ code: number | null; stderr: string }> {
  return runScript(node, join(repoRoot, 'dist', entry), args, env, asNobody, repoRoot);
}

/** runCompiled for any script file (scripts/run-dist.mjs, what the npm scripts start), from `cwd`. */
export function runScript(
  node: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  asNobody: boolean,
  cwd: string,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(node, [script, ...args], {
    cwd,
    ...(asNobody ? NOBODY : {}),
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    child.on('close', (code) => resolve({ code, stderr }));
    child.on('error', reject);
  });
}
