import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, runProcess } from '../support/bot-process.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';

/**
 * BLOB_STORE=s3 with a store that cannot be used: the bot, started as a real process, refuses in
 * one line on stderr saying which (credentials, bucket, no answer) and exits 1, before it opens
 * anything; the secret key appears nowhere in its output.
 */
describe('start-up refuses an unusable object store', () => {
  let s3: LocalS3;
  let silent: Server;
  const sockets: Socket[] = [];
  let dataDir: string;
  beforeAll(async () => {
    ensureBuilt();
    s3 = await startLocalS3();
    // Accepts connections and never answers: an endpoint that times out.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    dataDir = mkdtempSync(join(tmpdir(), 'archive-bot-s3-start-'));
  }, 300_000);
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
    await s3.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const SECRET = 'a-secret-that-must-not-be-printed';
  const start = (s3env: Record<string, string>) =>
    runProcess(
      process.execPath,
      [join(repoRoot, 'dist/main.js')],
      {
        HOME: dataDir,
        LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
        LARK_APP_SECRET: 'secret',
        LARK_DOMAIN: 'http://127.0.0.1:9',
        DATA_DIR: join(dataDir, 'data'),
        PORT: '0',
        LOG_LEVEL: 'info',
        ...s3.env(),
        S3_TIMEOUT_SECONDS: '1',
        ...s3env,
      },
      repoRoot,
      60_000,
    );

  it.each([
    [
      'wrong credentials',
      { S3_ACCESS_KEY_ID: 'WRONGKEY', S3_SECRET_ACCESS_KEY: SECRET },
      /不接受存储桶 archive 的凭证（.*）：请核对 S3_ACCESS_KEY_ID 和 S3_SECRET_ACCESS_KEY/,
    ],
    [
      'a missing bucket',
      { S3_BUCKET: 'no-such-bucket', S3_SECRET_ACCESS_KEY: SECRET },
      /上没有存储桶 no-such-bucket：请核对 S3_BUCKET/,
    ],
    [
      'an endpoint that does not answer',
      { S3_ENDPOINT: 'ENDPOINT', S3_SECRET_ACCESS_KEY: SECRET },
      /没有按时应答：请检查 S3_ENDPOINT 和网络/,
    ],
  ] as [string, Record<string, string>, RegExp][])(
    '%s: one line, exit 1',
    { timeout: 90_000 },
    async (_what, env, line) => {
      const endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const res = await start({ ...env, ...(env.S3_ENDPOINT ? { S3_ENDPOINT: endpoint } : {}) });
      expect(res.code).toBe(1);
      const lines = res.stderr.trim().split('\n');
      expect(lines, res.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^无法启动：对象存储 http/);
      expect(lines[0]).toMatch(line);
      expect(res.stdout + res.stderr).not.toContain(SECRET);
    },
  );
});
