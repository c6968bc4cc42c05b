import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENCRYPT_KEY, TEST_VERIFICATION_TOKEN } from '../support/events.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Child {
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

/** `npm start` as a real process (node --import tsx src/main.ts) with only the given environment. */
function startMain(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  return {
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stdout: () => out,
    stderr: () => err,
    kill: (s) => child.kill(s),
  };
}

async function until(check: () => boolean, what: () => string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the bot process (npm start)', () => {
  let fake: FakeLark;
  const dataDir = mkdtempSync(join(tmpdir(), 'archive-bot-proc-'));
  const base = () => ({
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
  });
  beforeAll(async () => {
    fake = await startFakeLark();
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'starts, serves /healthz and /readyz, logs JSON, and exits 0 on SIGTERM',
    { timeout: 120_000 },
    async () => {
      const p = startMain(base());
      await until(
        () => /"msg":"bot started"/.test(p.stdout()),
        () =>
          `the start-up log line (stdout: ${p.stdout().slice(0, 800)}; stderr: ${p.stderr().slice(0, 800)})`,
      );
      const started = JSON.parse(
        p
          .stdout()
          .split('\n')
          .find((l) => l.includes('"bot started"'))!,
      );
      expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${started.url}/readyz`)).status).toBe(200);
      expect(p.stdout()).not.toContain(fake.appSecret);
      p.kill('SIGTERM');
      expect(await p.exit).toBe(0);
      expect(p.stdout()).toContain('bot stopped');
    },
  );

  it('prints every configuration problem on one screen and exits 2', { timeout: 60_000 }, async () => {
    const p = startMain({ LARK_EVENT_MODE: 'webhook', PORT: 'x', DATA_DIR: dataDir });
    expect(await p.exit).toBe(2);
    for (const key of ['LARK_APP_ID', 'LARK_APP_SECRET', 'LARK_ENCRYPT_KEY', 'PORT'])
      expect(p.stderr()).toContain(key);
  });

  it('exits 1 with one clear line when Lark refuses the credentials', { timeout: 60_000 }, async () => {
    const p = startMain({ ...base(), LARK_APP_SECRET: 'wrong-secret' });
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toMatch(/Cannot start: Lark refused the app credentials \(code 10014/);
  });

  it('exits 1 with one clear line when PostgreSQL is unreachable', { timeout: 60_000 }, async () => {
    const p = startMain({ ...base(), DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' });
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toMatch(/Cannot start: /);
    expect(p.stderr().trim().split('\n')).toHaveLength(1);
  });
});
