import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { loadBaseConfig } from '../../src/config.js';
import { openPostgres, queryRows } from '../../src/db/client.js';
import { openBlobStore } from '../../src/storage/open-blob-store.js';
import {
  ensureBuilt,
  repoRoot,
  startProcess,
  webhookBotEnv,
  type BotProcess,
} from '../../test/support/bot-process.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../../test/support/events.js';
import { startFakeLark } from '../../test/support/fake-lark/server.js';
import { signedRequest } from '../../test/support/lark-sign.js';
import { makeBenchPhotos } from './capture-photos.js';
import { verifyStored, type ExpectedMaterial, type VerifyResult } from './capture-verify.js';
import { procTicks, sampleCpu } from './cpu-usage.js';
import { backendPids, createDatabase, dropDatabase, withDatabase } from './postgres-admin.js';

export interface PairVariant {
  name: string;
  store: 'local' | 's3';
  /** Bot processes (`node dist/main.js`) on the one database and store. */
  instances: number;
  pgUrl: string;
  images: number;
  chats: number;
  imageBytes: number;
  concurrency: number;
  latencyMs: number;
  downloadsPerSecond: number;
  /** The bots' own pace (LARK_API_PER_SECOND), for the timeline's ideal. */
  pacedPerSecond: number;
  /** Webhook pushes in flight at once (how fast the 2,000 events arrive). */
  pushesInFlight: number;
  timeoutMs: number;
}

export interface PairRun {
  variant: PairVariant;
  /** From the first push to the last photo stored. */
  seconds: number;
  storedPerSecond: number;
  /** Between 10 % and 90 % of the photos stored (as bench:capture's one-instance "sustained"). */
  sustainedPerSecond: number;
  /** When the last push was answered (s after the first). */
  pushedAfter: number;
  /** Push sent → material stored (the database's stored_at), per photo. */
  p50Ms: number;
  p99Ms: number;
  /** Expected photos with no stored row, and rows beyond one per photo. */
  lost: number;
  duplicated: number;
  /** Downloads the fake refused with 429 (the instances together went over Lark's 50/s). */
  refused429: number;
  /** Photos stored by each instance (from its log), to show both worked. */
  perInstance: number[];
  /**
   * Where the seconds went, from the fake Lark's own record of the downloads it answered: first push →
   * first download, first → last download (against the pacing's ideal for that many), and last
   * download → last photo stored; `gaps`: seconds lost in pauses longer than two slots between downloads.
   */
  timeline: { toFirst: number; spread: number; ideal: number; tail: number; gaps: number };
  /**
   * CPU per stored photo (ms, user + system, from /proc) from the first push to the last photo
   * stored: the bot processes together, their PostgreSQL backends, s3rver, and this process (the fake
   * Lark and the pushes); `othersCores`: cores other processes on the machine used meanwhile.
   */
  cpu: { bots: number; postgres: number; s3: number; bench: number; othersCores: number };
  verify: VerifyResult;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/**
 * Several bot processes on one PostgreSQL database and one file store (a shared folder, or a bucket
 * on s3rver) behind a round-robin "load balancer": photos pushed through the webhook, spread over
 * the instances, downloaded from the fake Lark that refuses more than `downloadsPerSecond`.
 */
export async function runCapturePair(v: PairVariant): Promise<PairRun> {
  ensureBuilt();
  const fake = await startFakeLark({ latencyMs: v.latencyMs });
  fake.enforceRateLimit({ path: /\/resources\//, perSecond: v.downloadsPerSecond });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-capture-pair-'));
  const dbName = `archive_bot_bench_pair_${process.pid}_${Date.now()}`;
  await createDatabase(v.pgUrl, dbName);
  const dbUrl = withDatabase(v.pgUrl, dbName);
  let s3: ChildProcess | undefined;
  const procs: BotProcess[] = [];
  const database = openPostgres(dbUrl, 2);
  try {
    let storeEnv: Record<string, string> = {};
    if (v.store === 's3') ({ child: s3, env: storeEnv } = await startS3Process());
    for (let i = 0; i < v.instances; i++)
      procs.push(
        startProcess(process.execPath, [...botNodeArgs(), 'dist/main.js'], {
          ...webhookBotEnv(fake, dataDir),
          ...storeEnv,
          DATABASE_URL: dbUrl,
          // Log lines of stored photos count each instance's share; nothing else below warn.
          LOG_LEVEL: 'info',
          JOB_CONCURRENCY: String(v.concurrency),
          LARK_API_PER_SECOND: String(v.pacedPerSecond),
          LARK_API_PER_MINUTE: '100000',
          MIN_FREE_DISK_MB: '1',
          BURST_QUIET_SECONDS: '2',
          ALERT_CHECK_MINUTES: '0',
          SCHEDULER_ENABLED: 'false',
        }),
      );
    const urls = (await Promise.all(procs.map((p) => p.started(180_000)))).map((s) => s.url);

    const photos = await makeBenchPhotos(v.images, v.imageBytes);
    const expected: ExpectedMaterial[] = [];
    const events = photos.map((p, i) => {
      const chat = i % v.chats;
      const key = `img_pair_${i}`;
      const ev = messageEvent({
        appId: fake.appId,
        chatId: `oc_pair_chat_${chat}`,
        senderOpenId: `ou_pair_officer_${chat}`,
        msgType: 'image',
        content: { image_key: key },
      });
      fake.addResource({
        messageId: ev.event.message.message_id,
        fileKey: key,
        bytes: p.bytes,
        contentType: 'image/jpeg',
      });
      expected.push({ messageId: ev.event.message.message_id, resourceKey: key, sha256: p.sha256 });
      return ev;
    });
    const pushedAt = new Map<string, number>();
    const refusedBefore = fake.rateLimited;
    const cpuBefore = await cpuSnapshot(v.pgUrl, dbName, procs, s3);
    const t0 = Date.now();
    let next = 0;
    // `pushesInFlight` pushes at once, round-robin over the instances as a load balancer would.
    const pushing = Promise.all(
      Array.from({ length: v.pushesInFlight }, async () => {
        while (next < events.length) {
          const i = next++;
          const ev = events[i]!;
          pushedAt.set(ev.event.message.message_id, Date.now());
          await push(urls[i % urls.length]!, ev);
        }
      }),
    );
    const list = sql.raw(`('${expected.map((e) => e.messageId).join("','")}')`);
    const storedRows = () =>
      queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from materials where message_id in ${list} and status = 'stored'`,
      ).then((r) => r[0]!.n);
    const deadline = Date.now() + v.timeoutMs;
    while ((await storedRows()) < v.images) {
      if (Date.now() > deadline) throw new Error(`timed out: ${await storedRows()} of ${v.images} stored`);
      await sleep(200);
    }
    const cpuAfter = await cpuSnapshot(v.pgUrl, dbName, procs, s3);
    await pushing;
    const pushedAfter = (Math.max(...pushedAt.values()) - t0) / 1000;
    const rows = await queryRows<{ message_id: string; resource_key: string; stored_at: Date }>(
      database.db,
      sql`select message_id, resource_key, stored_at from materials where message_id in ${list}`,
    );
    const storedTimes = rows.map((r) => new Date(r.stored_at).getTime()).sort((a, b) => a - b);
    const lastStored = storedTimes.at(-1)!;
    const t10 = storedTimes[Math.floor(0.1 * storedTimes.length)]!;
    const t90 = storedTimes[Math.floor(0.9 * storedTimes.length) - 1]!;
    const seconds = (lastStored - t0) / 1000;
    const latencies = rows
      .map((r) => new Date(r.stored_at).getTime() - pushedAt.get(r.message_id)!)
      .sort((a, b) => a - b);
    const distinct = new Set(rows.map((r) => `${r.message_id}/${r.resource_key}`));
    const served = fake
      .callsTo('GET', /\/resources\//)
      .map((c) => c.time)
      .filter((t) => t >= t0)
      .sort((a, b) => a - b);
    const slotMs = 1000 / v.pacedPerSecond;
    let gapMs = 0;
    for (let i = 1; i < served.length; i++) gapMs += Math.max(0, served[i]! - served[i - 1]! - 2 * slotMs);
    const timeline = {
      toFirst: (served[0]! - t0) / 1000,
      spread: (served.at(-1)! - served[0]!) / 1000,
      ideal: ((served.length - 1) * slotMs) / 1000,
      tail: (lastStored - served.at(-1)!) / 1000,
      gaps: gapMs / 1000,
    };
    const blobs = (
      await openBlobStore({
        dataDir,
        blobStore: loadBaseConfig({ DATA_DIR: dataDir, ...storeEnv }).blobStore,
      })
    ).blobs;
    const verify = await verifyStored(database.db, blobs, expected);
    return {
      variant: v,
      seconds,
      storedPerSecond: v.images / seconds,
      sustainedPerSecond: t90 > t10 ? (0.8 * v.images) / ((t90 - t10) / 1000) : NaN,
      pushedAfter,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      lost: expected.length - distinct.size,
      duplicated: rows.length - distinct.size,
      refused429: fake.rateLimited - refusedBefore,
      perInstance: procs.map((p) => p.logs().filter((l) => l.msg === 'material stored').length),
      timeline,
      cpu: cpuPerPhoto(cpuBefore, cpuAfter, v.images),
      verify,
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exit));
    await database.close();
    await fake.close();
    if (s3) {
      s3.kill('SIGTERM');
      if (s3.exitCode === null) await once(s3, 'exit');
    }
    await dropDatabase(v.pgUrl, dbName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface CpuSnapshot {
  bots: number;
  /** Ticks per PostgreSQL backend of the bench database. */
  postgres: Map<number, number>;
  s3: number;
  bench: number;
  machine: ReturnType<typeof sampleCpu>;
}

async function cpuSnapshot(
  pgUrl: string,
  dbName: string,
  procs: BotProcess[],
  s3: ChildProcess | undefined,
): Promise<CpuSnapshot> {
  const pids = await backendPids(pgUrl, dbName);
  const bench = process.cpuUsage();
  return {
    bots: procs.reduce((sum, p) => sum + procTicks(p.child.pid!), 0),
    postgres: new Map(pids.map((pid) => [pid, procTicks(pid)])),
    s3: s3?.pid ? procTicks(s3.pid) : 0,
    bench: (bench.user + bench.system) / 10_000,
    machine: sampleCpu([]),
  };
}

/** Milliseconds per photo (ticks are 10 ms); backends that connected meanwhile count from 0. */
function cpuPerPhoto(a: CpuSnapshot, b: CpuSnapshot, photos: number): PairRun['cpu'] {
  let pg = 0;
  for (const [pid, t] of b.postgres) pg += t - (a.postgres.get(pid) ?? 0);
  const per = (ticks: number) => (ticks * 10) / photos;
  const ours = b.bots - a.bots + pg + (b.s3 - a.s3) + (b.bench - a.bench);
  const wallTicks = (b.machine.total - a.machine.total) / availableParallelism();
  return {
    bots: per(b.bots - a.bots),
    postgres: per(pg),
    s3: per(b.s3 - a.s3),
    bench: per(b.bench - a.bench),
    othersCores: Math.max(0, (b.machine.busy - a.machine.busy - ours) / wallTicks),
  };
}

/**
 * Extra node options for the bot processes (BENCH_BOT_NODE_ARGS, split on spaces), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile each instance (written when it exits).
 */
function botNodeArgs(): string[] {
  return (process.env.BENCH_BOT_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

async function push(url: string, payload: unknown): Promise<void> {
  const req = signedRequest(payload, TEST_ENCRYPT_KEY);
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}/lark/events`, { method: 'POST', headers: req.headers, body: req.body });
    if (res.ok) return;
    if (attempt >= 5) throw new Error(`webhook answered ${res.status}`);
    await sleep(200); // Lark retries too
  }
}

/** s3rver in its own process (bench/lib/s3-server-child.ts), so it does not share the bench's event loop. */
async function startS3Process(): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/s3-server-child.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    if (line.startsWith('{')) return { child, env: JSON.parse(line) as Record<string, string> };
  }
  throw new Error('the s3rver process ended before it said where it listens');
}
