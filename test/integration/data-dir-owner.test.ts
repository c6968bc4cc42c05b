import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { NOBODY, nodeForNobody, runCompiled } from '../support/node-for-nobody.js';

const isRoot = process.getuid?.() === 0;

/** Every path under `dir` (itself included) owned by `uid`. */
function ownedBy(dir: string, uid: number): string[] {
  return [dir, ...readdirSync(dir, { recursive: true }).map((e) => join(dir, String(e)))].filter(
    (p) => statSync(p).uid === uid,
  );
}

/** chown -R */
function chownTree(dir: string, uid: number): void {
  for (const p of [dir, ...readdirSync(dir, { recursive: true }).map((e) => join(dir, String(e)))])
    chownSync(p, uid, uid);
}

/** The compiled bot or CLI as a process (as `nobody`, on the Node given, when asked), with only these variables. */
function run(entry: string, args: string[], env: Record<string, string>, asNobody?: string) {
  return runCompiled(asNobody ?? process.execPath, entry, args, env, asNobody !== undefined, repoRoot);
}

/**
 * On a server the embedded database belongs to the service user (README: run the tools with
 * `sudo -u archive-bot`). A command run as root on it anyway used to leave root-owned files in
 * pglite/, after which the bot (as archive-bot) stopped with "Cannot start: Aborted(). Build with
 * -sASSERTIONS for more info." and systemd restarted it every 10 s. Root is now refused such a folder
 * before anything is written, and a folder already damaged is named with the chown that mends it.
 * Needs root (to own files as two users).
 */
describe.skipIf(!isRoot)('the embedded database of another user', () => {
  let dataDir: string;
  let nobodyNode: ReturnType<typeof nodeForNobody>;
  beforeAll(async () => {
    ensureBuilt();
    nobodyNode = nodeForNobody();
    const parent = mkdtempSync(join(tmpdir(), 'archive-bot-owner-'));
    chmodSync(parent, 0o755);
    dataDir = await seededDataDir('data', { parent });
    chownTree(dataDir, NOBODY.uid);
  }, 300_000);
  afterAll(() => {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
    nobodyNode.cleanup();
  });

  it('root is refused it in one line, and writes nothing there', { timeout: 90_000 }, async () => {
    const res = await run('cli/main.js', ['units', 'list'], { DATA_DIR: dataDir });
    expect(res.stderr.trim()).toBe(
      `打不开数据库：数据目录 ${dataDir} 属于用户 nobody，不要以 root 打开它：root 写下的文件 nobody 读写不了，机器人会启动不了。` +
        `请以 nobody 运行，例如 sudo -u nobody node --env-file=… dist/cli/main.js …。`,
    );
    expect(res.code).toBe(1);
    expect(ownedBy(dataDir, 0)).toEqual([]);
  });

  it(
    'a folder root already wrote into: the bot names the file and the chown, exit 2',
    { timeout: 90_000 },
    async () => {
      const file = join(dataDir, 'pglite', 'global', 'pg_control');
      chownSync(file, 0, 0);
      chmodSync(file, 0o600);
      const res = await run(
        'main.js',
        [],
        {
          DATA_DIR: dataDir,
          HOME: dataDir,
          LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
          LARK_APP_SECRET: 'secret',
          LARK_DOMAIN: 'http://127.0.0.1:9',
          PORT: '0',
          LOG_LEVEL: 'silent',
        },
        nobodyNode.node,
      );
      expect(res.stderr.trim()).toBe(
        `无法启动：数据目录 ${dataDir} 里有 nobody 读写不了的文件（pglite/global/pg_control 属于 root），数据库打不开：多半是以 root 运行过命令行工具。` +
          `请以 root 运行 chown -R nobody: ${dataDir}，再启动；命令行工具请用 sudo -u nobody 运行。`,
      );
      expect(res.code).toBe(2);
    },
  );
});
