import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot } from '../../src/bot.js';
import { loadConfig, type Config, type Env } from '../../src/config.js';
import type { FeatureModule } from '../../src/features.js';
import type { FileSettings } from '../../src/settings.js';
import type { Clock } from '../../src/ports/clock.js';
import { startFakeLark, type FakeLark } from './fake-lark/server.js';
import { signedRequest } from './lark-sign.js';
import { fetchAsBrowser } from './fetch-as-browser.js';
import { TEST_ENCRYPT_KEY, TEST_VERIFICATION_TOKEN } from './events.js';
import { createTestDb, type TestDb } from './test-db.js';
import { TEST_ARCHIVE_YAML } from './county-archive.js';

export interface Harness {
  fake: FakeLark;
  db: TestDb;
  bot: RunningBot;
  config: Config;
  dataDir: string;
  /** Pushes an event to the bot's webhook the way Lark does (signed + encrypted). */
  post(payload: unknown, opts?: { timestampSeconds?: number; encrypt?: boolean }): Promise<Response>;
  /** Waits until both workers have nothing left to do. */
  settle(): Promise<void>;
  /** Restarts the bot process on the same database and data folder (optionally with changed env). */
  restart(env?: Env): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  mode?: 'webhook' | 'ws';
  env?: Env;
  clock?: Clock;
  /** Share a database (and fake) between harnesses, e.g. two instances. */
  db?: TestDb;
  fake?: FakeLark;
  /** Every log line of the bot (the logger startBot builds from config, LOG_LEVEL from env). */
  logDestination?: NodeJS.WritableStream;
  /** The capabilities to run (default: all). */
  features?: readonly FeatureModule[];
  /** schedules.yaml and archive.yaml as already loaded (default: read from the config's paths). */
  settings?: FileSettings;
}

/** The whole bot, as `npm start` runs it, against the fake Lark and a throwaway database. */
export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const fake = o.fake ?? (await startFakeLark());
  const db = o.db ?? (await createTestDb());
  const dataDir = mkdtempSync(join(tmpdir(), 'archive-bot-data-'));
  const baseEnv: Env = {
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.baseUrl,
    LARK_EVENT_MODE: o.mode ?? 'webhook',
    LARK_ENCRYPT_KEY: TEST_ENCRYPT_KEY,
    LARK_VERIFICATION_TOKEN: TEST_VERIFICATION_TOKEN,
    LARK_HTTP_TIMEOUT_MS: '5000',
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MIN_FREE_DISK_MB: '1',
    BURST_QUIET_SECONDS: '2',
    RECONCILE_INTERVAL_MINUTES: '0',
    // Tests drive the alert checks with bot.checkAlerts() and their clock.
    ALERT_CHECK_MINUTES: '0',
    // A county's archive.yaml: under the shipped sample's fonds nothing may be confirmed.
    ARCHIVE_CONFIG: TEST_ARCHIVE_YAML,
    ...o.env,
  };
  let config = loadConfig(baseEnv);
  const start = () =>
    startBot(config, {
      database: db,
      clock: o.clock,
      pollMs: 50,
      logDestination: o.logDestination,
      features: o.features,
      settings: o.settings,
    });
  const h: Harness = {
    fake,
    db,
    bot: await start(),
    config,
    dataDir,
    post: (payload, opts) => {
      // Timestamps follow the bot's clock, so a manual clock does not make requests look stale.
      const timestampSeconds =
        opts?.timestampSeconds ?? Math.floor((o.clock?.now() ?? new Date()).getTime() / 1000);
      const req = signedRequest(payload, TEST_ENCRYPT_KEY, { ...opts, timestampSeconds });
      return fetchAsBrowser(`${h.bot.url}/lark/events`, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
      });
    },
    settle: async () => {
      for (let i = 0; i < 3; i++) {
        h.bot.eventWorker.wake();
        await h.bot.eventWorker.idle();
        h.bot.jobWorker.wake();
        await h.bot.jobWorker.idle();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    restart: async (env) => {
      await h.bot.stop();
      if (env) h.config = config = loadConfig({ ...baseEnv, ...env });
      h.bot = await start();
    },
    close: async () => {
      await h.bot.stop();
      if (!o.db) await db.close();
      if (!o.fake) await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}
