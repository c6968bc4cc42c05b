import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type RunningBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { messageEvent, TEST_ENCRYPT_KEY, TEST_VERIFICATION_TOKEN } from '../../test/support/events.js';
import { startFakeLark, type FakeLark } from '../../test/support/fake-lark/server.js';
import { signedRequest } from '../../test/support/lark-sign.js';
import { makeBenchPhotos } from './capture-photos.js';
import { allocatedMb, collectGarbage, RssSampler, rssMb } from './capture-memory.js';
import { verifyStored, type ExpectedMaterial, type VerifyResult } from './capture-verify.js';
import { createDatabase, dropDatabase, withDatabase } from './postgres-admin.js';

export interface CaptureVariant {
  name: string;
  db: 'pglite' | 'postgres';
  /** Admin URL (PostgreSQL only): a fresh database is created and dropped. */
  pgUrl?: string;
  images: number;
  chats: number;
  imageBytes: number;
  /** 0 skips the video phase. */
  videoBytes: number;
  /** WORKER_CONCURRENCY of the bot. */
  concurrency: number;
  latencyMs: number;
  /** Downloads per second the fake Lark accepts (sliding one-second window). */
  downloadsPerSecond: number;
  /** Keep the bot's own per-minute limiter (Lark: 1000/min per API) instead of lifting it. */
  perMinuteLimit: boolean;
  timeoutMs: number;
}

export interface ImagePhase {
  seconds: number;
  overallPerSecond: number;
  /** Between 10 % and 90 % of the materials stored (start-up and tail excluded). */
  sustainedPerSecond: number;
  peakRssMb: number;
  /** Downloads the fake refused with 429 (the bot went over the enforced rate). */
  refused429: number;
  /** CPU time of this whole process (bot, fake Lark, PGlite) per stored photo. */
  cpuMsPerPhoto: number;
  /** Seconds until every push was acknowledged, and until every event was processed (materials recorded). */
  postedAfter: number;
  capturedAfter: number;
  /** Whole-file requests beyond one per photo (retries after a 429 or a failure). */
  extraRequests: number;
  verify: VerifyResult;
}

export interface VideoPhase {
  seconds: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** JS heap + external buffers: before, and at the highest point of the download. */
  baselineAllocatedMb: number;
  peakAllocatedMb: number;
  verify: VerifyResult;
}

export interface CaptureRun {
  variant: CaptureVariant;
  video?: VideoPhase;
  images: ImagePhase;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One bot (in this process, as `npm start` wires it) against one fake Lark, on one database. */
export async function runCaptureVariant(v: CaptureVariant): Promise<CaptureRun> {
  const fake = await startFakeLark({ latencyMs: v.latencyMs });
  fake.enforceRateLimit({ path: /\/resources\//, perSecond: v.downloadsPerSecond });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-capture-'));
  const dbName = `archive_bot_bench_capture_${process.pid}_${Date.now()}`;
  if (v.db === 'postgres') await createDatabase(v.pgUrl!, dbName);
  let bot: RunningBot | undefined;
  try {
    bot = await startBot(
      loadConfig({
        LARK_APP_ID: fake.appId,
        LARK_APP_SECRET: fake.appSecret,
        LARK_DOMAIN: fake.baseUrl,
        LARK_EVENT_MODE: 'webhook',
        LARK_ENCRYPT_KEY: TEST_ENCRYPT_KEY,
        LARK_VERIFICATION_TOKEN: TEST_VERIFICATION_TOKEN,
        DATA_DIR: dataDir,
        ...(v.db === 'postgres' ? { DATABASE_URL: withDatabase(v.pgUrl!, dbName) } : {}),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
        JOB_CONCURRENCY: String(v.concurrency),
        // Lifting the per-minute ceiling is what "only 50/s enforced" means for this bench.
        LARK_API_PER_MINUTE: v.perMinuteLimit ? '900' : '100000',
        MIN_FREE_DISK_MB: '1',
        BURST_QUIET_SECONDS: '2',
        RECONCILE_INTERVAL_MINUTES: '0',
      }),
    );
    const video = v.videoBytes > 0 ? await videoPhase(v, fake, bot) : undefined;
    const images = await imagePhase(v, fake, bot);
    return { variant: v, ...(video ? { video } : {}), images };
  } finally {
    await bot?.stop().catch(() => {});
    await fake.close();
    if (v.db === 'postgres') await dropDatabase(v.pgUrl!, dbName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Whole downloads of a resource: requests without Range or starting at byte 0 (not later chunks). */
const wholeDownloads = (fake: FakeLark, key: string) =>
  fake
    .callsTo('GET', /\/resources\//)
    .filter((c) => c.path.endsWith(`/${key}`) && !/^bytes=[1-9]/.test(String(c.headers.range ?? ''))).length;

async function post(bot: RunningBot, payload: unknown): Promise<void> {
  const req = signedRequest(payload, TEST_ENCRYPT_KEY);
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${bot.url}/lark/events`, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
    });
    if (res.ok) return;
    if (attempt >= 5) throw new Error(`webhook answered ${res.status}`);
    await sleep(200); // Lark retries too
  }
}

const storedCount = (bot: RunningBot) => bot.metrics.value('material_downloads_total', { status: 'stored' });

async function waitStored(bot: RunningBot, target: number, timeoutMs: number, onTick?: () => void) {
  const deadline = Date.now() + timeoutMs;
  while (storedCount(bot) < target) {
    if (Date.now() > deadline) throw new Error(`timed out: ${storedCount(bot)} of ${target} stored`);
    onTick?.();
    await sleep(20);
  }
}

async function videoPhase(v: CaptureVariant, fake: FakeLark, bot: RunningBot): Promise<VideoPhase> {
  const bytes = randomBytes(v.videoBytes);
  const cover = (await makeBenchPhotos(1, 160_000))[0]!.bytes;
  const ev = messageEvent({
    appId: fake.appId,
    chatId: 'oc_bench_video',
    senderOpenId: 'ou_bench_video',
    msgType: 'media',
    content: {
      file_key: 'file_bench_video',
      image_key: 'img_bench_cover',
      file_name: '验收全程.mp4',
      duration: 600_000,
    },
  });
  const messageId = ev.event.message.message_id;
  fake.addResource({ messageId, fileKey: 'file_bench_video', bytes, contentType: 'video/mp4' });
  fake.addResource({ messageId, fileKey: 'img_bench_cover', bytes: cover, contentType: 'image/jpeg' });
  const before = storedCount(bot);
  collectGarbage();
  await sleep(300);
  const baselineRssMb = rssMb();
  const baselineAllocatedMb = allocatedMb();
  const sampler = new RssSampler(10, true);
  const t0 = performance.now();
  await post(bot, ev);
  await waitStored(bot, before + 2, v.timeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  const peak = sampler.stop();
  const expected: ExpectedMaterial[] = [
    { messageId, resourceKey: 'file_bench_video', sha256: sha256(bytes) },
    { messageId, resourceKey: 'img_bench_cover', sha256: sha256(cover) },
  ];
  const verify = await verifyStored(bot.database.db, bot.blobs, expected);
  fake.state.resources.clear(); // the fake's copy of the video no longer counts in later phases
  return {
    seconds,
    baselineRssMb,
    peakRssMb: peak.rssMb,
    baselineAllocatedMb,
    peakAllocatedMb: peak.allocatedMb,
    verify,
  };
}

async function imagePhase(v: CaptureVariant, fake: FakeLark, bot: RunningBot): Promise<ImagePhase> {
  const photos = await makeBenchPhotos(v.images, v.imageBytes);
  const expected: ExpectedMaterial[] = [];
  const events = photos.map((p, i) => {
    const chat = i % v.chats;
    const key = `img_bench_${i}`;
    const ev = messageEvent({
      appId: fake.appId,
      chatId: `oc_bench_chat_${chat}`,
      senderOpenId: `ou_bench_officer_${chat}`,
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
  const before = storedCount(bot);
  const refusedBefore = fake.rateLimited;
  const sampler = new RssSampler(50);
  const cpu0 = process.cpuUsage();
  const marks: { at: number; stored: number }[] = [];
  const t0 = performance.now();
  // Officers post from 50 chats at once: 16 webhook pushes in flight.
  let next = 0;
  let postedAt = 0;
  let capturedAt = 0;
  const capturedBefore = bot.metrics.total('materials_captured_total');
  const pushing = Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < events.length) await post(bot, events[next++]);
    }),
  ).then(() => (postedAt = performance.now()));
  await waitStored(bot, before + v.images, v.timeoutMs, () => {
    marks.push({ at: performance.now(), stored: storedCount(bot) - before });
    if (!capturedAt && bot.metrics.total('materials_captured_total') - capturedBefore >= v.images)
      capturedAt = performance.now();
  });
  await pushing;
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const peakRssMb = sampler.stop().rssMb;
  const when = (fraction: number) => marks.find((m) => m.stored >= fraction * v.images)?.at ?? end;
  const t10 = when(0.1);
  const t90 = when(0.9);
  const verify = await verifyStored(bot.database.db, bot.blobs, expected);
  return {
    seconds: (end - t0) / 1000,
    overallPerSecond: v.images / ((end - t0) / 1000),
    sustainedPerSecond: t90 > t10 ? (0.8 * v.images) / ((t90 - t10) / 1000) : NaN,
    peakRssMb,
    refused429: fake.rateLimited - refusedBefore,
    cpuMsPerPhoto: (cpu.user + cpu.system) / 1000 / v.images,
    postedAfter: (postedAt - t0) / 1000,
    capturedAfter: ((capturedAt || end) - t0) / 1000,
    extraRequests: expected.reduce((n, e) => n + Math.max(0, wholeDownloads(fake, e.resourceKey) - 1), 0),
    verify,
  };
}
