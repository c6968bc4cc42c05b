import { spawnSync } from 'node:child_process';
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
