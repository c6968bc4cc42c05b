import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDb, queryRows } from '../../src/db/client.js';
import { repoRoot, startProcess, type BotProcess, webhookBotEnv } from '../support/bot-process.js';
import { seededDataDir } from '../support/data-dir.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../support/events.js';
import { signedRequest } from '../support/lark-sign.js';
import { processTest } from '../support/process-test.js';

/** The bot's own shutdown limit (src/main.ts): after it, it exits 1. */
const DRAIN_MS = 30_000;

const unit = readFileSync(join(repoRoot, 'deploy/archive-bot.service'), 'utf8');
const unitValue = (key: string) => unit.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1]?.trim() ?? '';

/** How the bot is started: the compiled build directly, through npm, and as the systemd unit would. */
const starters: { name: string; start: (env: Record<string, string>) => BotProcess }[] = [
  { name: 'node dist/main.js', start: (env) => startProcess(process.execPath, ['dist/main.js'], env) },
  { name: 'npm start', start: (env) => startProcess('npm', ['start', '--silent'], env) },
  {
    // ExecStart of deploy/archive-bot.service with the install folder replaced by this checkout.
    name: 'the systemd unit’s ExecStart',
    start: (env) => {
      const [cmd, ...args] = unitValue('ExecStart').replaceAll('/opt/archive-bot', repoRoot).split(/\s+/);
      return startProcess(existsSync(cmd!) ? cmd! : process.execPath, args, env);
    },
  },
];

describe('the bot process', () => {
  const t = processTest('archive-bot-proc');
  /** A migrated data folder: the start under test skips initdb and the migrations (seconds each). */
  const newDataDir = () => seededDataDir('data', { parent: t.tmp });
  const emptyDataDir = () => mkdtempSync(join(t.tmp, 'empty-'));
  const base = (dataDir: string) => webhookBotEnv(t.fake, dataDir);

  /** Posts a file message whose download the fake answers slowly: work in flight at the signal. */
  const startSlowDownload = async (url: string) => {
    const key = `file_${randomBytes(6).toString('hex')}`;
    const ev = messageEvent({
      appId: t.fake.appId,
      msgType: 'file',
      content: { file_key: key, file_name: 'a.pdf' },
    });
    t.fake.addResource({ messageId: ev.event.message.message_id, fileKey: key, bytes: randomBytes(50_000) });
    t.fake.latencyMs = 120_000;
    const req = signedRequest(ev, TEST_ENCRYPT_KEY);
    expect((await fetch(`${url}/lark/events`, { method: 'POST', ...req })).status).toBe(200);
    const end = Date.now() + 30_000;
    while (t.fake.callsTo('GET', new RegExp(`/resources/${key}`)).length === 0) {
      if (Date.now() > end) throw new Error('the download never started');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  /** Starts, checks health, signals, and checks the clean exit: logs, no process left, lock gone. */
  const startAndStop = async (
    start: (env: Record<string, string>) => BotProcess,
    signal: NodeJS.Signals,
    dataDir: string,
    inFlight?: (url: string) => Promise<void>,
  ) => {
    const p = start(base(dataDir));
    const { url } = await p.started();
    expect(p.stderr()).not.toMatch(/正被.*使用/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await inFlight?.(url);

    const signalled = Date.now();
    p.kill(signal);
    expect(await p.exit).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(DRAIN_MS);
    const logs = p.logs();
    expect(logs.find((l) => l.msg === 'shutting down')).toMatchObject({ signal });
    expect(logs.some((l) => l.msg === 'bot stopped')).toBe(true);
    expect(p.stdout()).not.toContain(t.fake.appSecret);
    // No process of ours is left (npm's child included) and the folder lock is gone.
    for (const pid of new Set(logs.map((l) => l.pid as number))) expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  };

  it(
    'node dist/main.js: SIGTERM with a download in flight releases it and the lock, exits 0; a second start succeeds at once',
    { timeout: 240_000 },
    async () => {
      const dataDir = await newDataDir();
      await startAndStop(starters[0]!.start, 'SIGTERM', dataDir, startSlowDownload);
      t.fake.latencyMs = 0;
      // The interrupted download was released for the next start, not counted as a failure.
      const database = await openDb({ dataDir });
      try {
        const jobs = await queryRows<{ status: string; attempts: number }>(
          database.db,
          sql`select status, attempts from jobs where kind = 'download-material'`,
        );
        expect(jobs).toEqual([{ status: 'pending', attempts: 0 }]);
      } finally {
        await database.close();
      }
      // Started again on the same folder (no stale lock to wait for), then SIGINT (Ctrl-C).
      await startAndStop(starters[0]!.start, 'SIGINT', dataDir);
    },
  );

  // Through npm and as the unit starts it, each on its own folder, side by side.
  describe.concurrent('started by npm and by systemd', () => {
    for (const { name, start } of starters.slice(1)) {
      const signal = name === 'npm start' ? 'SIGTERM' : (unitValue('KillSignal') as NodeJS.Signals);
      it(
        `${name}: ${signal} reaches the bot, which stops cleanly and exits 0`,
        { timeout: 180_000 },
        async () => startAndStop(start, signal, await newDataDir()),
      );
    }
  });

  it('the systemd unit stops the bot with SIGTERM and waits longer than the bot drains', () => {
    expect(unitValue('KillSignal')).toBe('SIGTERM');
    expect(Number(unitValue('TimeoutStopSec')) * 1000).toBeGreaterThan(DRAIN_MS);
  });

  // Starts that stop at once, each on its own folder: they run side by side. Their PGlite first start
  // (initdb) took over 60 s on 2 cores under load 12 (three side by side, other files meanwhile).
  describe.concurrent('a start that cannot go on', () => {
    it('prints every configuration problem on one screen and exits 2', { timeout: 180_000 }, async () => {
      const p = t.startProcess(process.execPath, ['dist/main.js'], {
        LARK_EVENT_MODE: 'webhook',
        PORT: 'x',
        DATA_DIR: emptyDataDir(),
      });
      expect(await p.exit).toBe(2);
      // In Chinese, for the county IT person: each variable, what is wrong, an example or where to find it.
      expect(p.stderr().trim().split('\n')).toEqual([
        '配置有误（环境变量）：',
        '  - PORT：要写整数。例如 3000',
        '  - LARK_APP_ID：没有填写。在开发者后台 → 凭证与基础信息 复制 App ID，例如 cli_a1b2c3d4e5f60718',
        '  - LARK_APP_SECRET：没有填写。在开发者后台 → 凭证与基础信息 复制 App Secret',
        '  - LARK_ENCRYPT_KEY：LARK_EVENT_MODE=webhook 时必须填写。在开发者后台 → 事件与回调 → 加密策略 复制 Encrypt Key',
        '  - LARK_VERIFICATION_TOKEN：LARK_EVENT_MODE=webhook 时必须填写。在开发者后台 → 事件与回调 → 加密策略 复制 Verification Token',
        '每个变量的说明见 config/.env.example 和 README.md 的 Configuration 一节。',
      ]);
    });

    // systemd restarts on any exit but 2 (RestartPreventExitStatus=2): a refused secret stays refused.
    it('exits 2 with one clear line when Lark refuses the credentials', { timeout: 180_000 }, async () => {
      const p = t.startProcess(process.execPath, ['dist/main.js'], {
        ...base(await newDataDir()),
        LARK_APP_SECRET: 'wrong-secret',
      });
      expect(await p.exit).toBe(2);
      expect(p.stderr()).toMatch(
        /^无法启动：飞书不接受应用凭证（错误码 10014：.*）：请核对 LARK_APP_ID \/ LARK_APP_SECRET/,
      );
    });

    it('exits 1 with one clear line when PostgreSQL is unreachable', { timeout: 180_000 }, async () => {
      const p = t.startProcess(process.execPath, ['dist/main.js'], {
        ...base(emptyDataDir()),
        DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
      });
      expect(await p.exit).toBe(1);
      expect(p.stderr()).toMatch(/^无法启动：/);
      expect(p.stderr().trim().split('\n')).toHaveLength(1);
    });
  });
});
