import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { claimDue } from '../../src/db/repos/queue.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import {
  blobFilesOf,
  downloadsOf,
  materialsOf,
  repliesTo,
  replyText,
  sha256,
  tempFiles,
  waitFor,
} from './capture-helpers.js';

const MB = 1024 * 1024;

describe('capture: downloads survive faults, restarts and big files', () => {
  let h: Harness;
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock, env: { WORKER_LEASE_SECONDS: '60' } });
  });
  afterAll(() => h.close());
  afterEach(() => {
    h.fake.clearFaults();
    h.fake.assertNoUnknownRoutes();
  });

  /** Posts a file message whose resource the fake serves; returns its message id and key. */
  const sendFile = async (
    bytes: Buffer,
    fileName: string,
    resource: { errorCode?: number; maxWhole?: number } = {},
  ) => {
    const key = `file_${randomBytes(6).toString('hex')}`;
    const ev = messageEvent({
      appId: h.fake.appId,
      createTimeMs: clock.now().getTime(),
      msgType: 'file',
      content: { file_key: key, file_name: fileName },
    });
    const id = ev.event.message.message_id;
    h.fake.addResource({
      messageId: id,
      fileKey: key,
      bytes,
      fileName,
      ...(resource.errorCode ? { errorCode: resource.errorCode } : {}),
      ...(resource.maxWhole ? { maxWholeFileBytes: resource.maxWhole } : {}),
    });
    expect((await h.post(ev)).status).toBe(200);
    return { id, key };
  };
  const jobOf = async (materialId: number) =>
    (
      await queryRows<{ status: string; attempts: number; last_error: string | null }>(
        h.db.db,
        sql`select status, attempts, last_error from jobs where kind = 'download-material' and key = ${String(materialId)}`,
      )
    )[0];
  /** Lets the job worker's backoff pass (the clock is manual), then runs what is due. */
  const afterBackoff = async (ms = 10 * 60_000) => {
    clock.advance(ms);
    await h.settle();
  };

  it('a download that fails twice (5xx, then 429 with reset) is stored on the third try', async () => {
    const bytes = randomBytes(300_000);
    const path = /\/resources\/file_flaky$/;
    const key = 'file_flaky';
    const ev = messageEvent({
      appId: h.fake.appId,
      createTimeMs: clock.now().getTime(),
      msgType: 'file',
      content: { file_key: key, file_name: '台账.xlsx' },
    });
    const id = ev.event.message.message_id;
    h.fake.addResource({ messageId: id, fileKey: key, bytes });
    h.fake.inject({ path, times: 1, fault: { status: 500 } });
    h.fake.inject({ path, times: 1, fault: { status: 429, resetSeconds: 1 } });
    expect((await h.post(ev)).status).toBe(200);
    await h.settle();
    const [first] = await materialsOf(h.db.db, id);
    expect(first).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await jobOf(first!.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: expect.stringMatching(/500/),
    });
    await afterBackoff(10_000);
    const [m] = await materialsOf(h.db.db, id);
    expect(m).toMatchObject({
      status: 'stored',
      attempts: 2,
      sha256: sha256(bytes),
      size_bytes: bytes.length,
    });
    expect(downloadsOf(h.fake, key)).toHaveLength(3);
    expect(h.bot.metrics.value('lark_rate_limited_total', { api: 'im.messageResource.get' })).toBe(1);
    expect(await jobOf(m!.id)).toMatchObject({ status: 'done' });
  });

  it('a truncated body is never stored; a later complete download is', async () => {
    const bytes = randomBytes(2 * MB);
    const { id, key } = await sendFile(bytes, '会议纪要.pdf');
    // Every request of the first attempt (the first try and its 3 resumptions) is cut short.
    h.fake.inject({
      path: new RegExp(`/resources/${key}$`),
      times: 4,
      fault: { truncateAfterBytes: 100_000 },
    });
    await h.settle();
    const [cut] = await materialsOf(h.db.db, id);
    expect(cut).toMatchObject({ status: 'pending', sha256: null, storage_key: null });
    expect(await jobOf(cut!.id)).toMatchObject({
      status: 'pending',
      last_error: expect.stringMatching(/LarkNetworkError/),
    });
    expect(blobFilesOf(h.dataDir, sha256(bytes))).toEqual([]);
    expect(tempFiles(h.dataDir)).toEqual([]);
    await afterBackoff();
    const [m] = await materialsOf(h.db.db, id);
    expect(m).toMatchObject({ status: 'stored', sha256: sha256(bytes), size_bytes: 2 * MB });
    expect(statSync(h.bot.blobs.localPath(m!.storage_key!)!).size).toBe(2 * MB);
  });

  it('a bot stopped mid-download resumes after the restart and stores the file once', async () => {
    const bytes = randomBytes(3 * MB);
    const key = 'file_slow';
    // The first request hangs (a slow Lark); the bot is stopped while it is in flight.
    h.fake.inject({ path: /\/resources\/file_slow$/, times: 1, fault: { delayMs: 4000 } });
    const ev = messageEvent({
      appId: h.fake.appId,
      createTimeMs: clock.now().getTime(),
      msgType: 'file',
      content: { file_key: key, file_name: '航拍.mp4' },
    });
    const id = ev.event.message.message_id;
    h.fake.addResource({ messageId: id, fileKey: key, bytes });
    expect((await h.post(ev)).status).toBe(200);
    await waitFor('the download to start', () => downloadsOf(h.fake, key).length === 1);
    const started = Date.now();
    await h.bot.stop();
    expect(Date.now() - started).toBeLessThan(3000); // the stop did not wait for the slow download
    // Seen before the restart: the restarted bot takes the released job up at once, and its own
    // download's temp file exists while that runs.
    const [interrupted] = await materialsOf(h.db.db, id);
    expect(interrupted).toMatchObject({ status: 'pending', sha256: null });
    expect(tempFiles(h.dataDir)).toEqual([]);
    await h.restart();
    await afterBackoff();
    const [m] = await materialsOf(h.db.db, id);
    expect(m).toMatchObject({ status: 'stored', sha256: sha256(bytes), attempts: 2 });
    expect(downloadsOf(h.fake, key).length).toBeGreaterThanOrEqual(2);
    expect(blobFilesOf(h.dataDir, sha256(bytes))).toHaveLength(1);
    expect(tempFiles(h.dataDir)).toEqual([]);
  });

  it('a download whose process died (lease expired) is reclaimed after a restart and stored once', async () => {
    await h.bot.jobWorker.stop();
    const bytes = randomBytes(500_000);
    const { id } = await sendFile(bytes, '公示照片.zip');
    await waitFor('the material', async () => (await materialsOf(h.db.db, id)).length === 1);
    const dead = await claimDue(h.db.db, 'jobs', 'killed-process', 50, clock.now());
    expect(dead.some((j) => j.type === 'download-material')).toBe(true);
    await h.restart();
    await h.settle();
    expect((await materialsOf(h.db.db, id))[0]).toMatchObject({ status: 'pending' }); // still leased
    clock.advance(61_000);
    // This sweep, or the one the restart began (it may finish after the clock moved), reclaims it.
    await h.bot.jobWorker.sweep();
    await h.settle();
    const [m] = await waitFor(
      'the reclaimed download stored',
      () => materialsOf(h.db.db, id),
      (ms) => ms[0]?.status === 'stored',
    );
    expect(m).toMatchObject({ status: 'stored', sha256: sha256(bytes) });
    expect(blobFilesOf(h.dataDir, sha256(bytes))).toHaveLength(1);
  });

  it('a download whose process died on its last attempt is failed and visible, not pending forever', async () => {
    await h.bot.jobWorker.stop();
    const { id } = await sendFile(randomBytes(1000), '会议记录.pdf');
    await waitFor('the material', async () => (await materialsOf(h.db.db, id)).length === 1);
    const [m0] = await materialsOf(h.db.db, id);
    await h.db.db.execute(
      sql`update jobs set attempts = max_attempts - 1 where kind = 'download-material' and key = ${String(m0!.id)}`,
    );
    const claimed = await claimDue(h.db.db, 'jobs', 'killed-on-last-attempt', 50, clock.now());
    expect(claimed.some((j) => j.type === 'download-material')).toBe(true);
    await h.restart();
    clock.advance(61_000);
    await h.bot.jobWorker.sweep();
    await waitFor(
      'the job dead',
      () => jobOf(m0!.id),
      (j) => j?.status === 'dead',
    );
    const [m] = await waitFor(
      'the material failed',
      () => materialsOf(h.db.db, id),
      (ms) => ms[0]?.status === 'failed',
    );
    expect(m).toMatchObject({ status: 'failed' });
    expect(m!.last_error).toContain('interrupted on its last attempt');
    const metrics = await (await fetch(`${h.bot.url}/metrics`)).text();
    expect(metrics).toMatch(/queue_dead_total\{table="jobs"\} [1-9]/);
  });

  it('a video Lark refuses as too large (234037) is too_large and its sender is told to trim it into parts on the phone', async () => {
    const { id } = await sendFile(Buffer.from('x'), '全村航拍原片.mp4', { errorCode: 234037 });
    await h.settle();
    const [m] = await materialsOf(h.db.db, id);
    expect(m).toMatchObject({ status: 'too_large', kind: 'video', sha256: null, attempts: 1 });
    expect(m!.last_error).toMatch(/234037/);
    clock.advance(3000); // past the burst's quiet window
    const reply = replyText(await waitFor('the burst reply', () => repliesTo(h.fake, id)[0]));
    // Not 「压缩或分卷」: a phone cannot split a file, but its photo album can trim a video.
    expect(reply).toContain(
      '没有收到可保存的材料\n视频太大（超过 100 MB），机器人收不到：全村航拍原片.mp4。' +
        '请在手机相册里把视频剪成几段（每段不超过 100 MB），再一段一段发送',
    );
    expect(reply).not.toMatch(/压缩|分卷/);
  });

  it('a document Lark refuses as too large goes to the archivist, who can split it on a computer', async () => {
    const { id } = await sendFile(Buffer.from('x'), '2025年扶贫档案扫描件.pdf', { errorCode: 234037 });
    await h.settle();
    clock.advance(3000); // past the burst's quiet window
    const reply = replyText(await waitFor('the burst reply', () => repliesTo(h.fake, id)[0]));
    expect(reply).toContain(
      '没有收到可保存的材料\n文件太大（超过 100 MB），机器人收不到：2025年扶贫档案扫描件.pdf。' +
        '请把它转发给档案员，由档案员在电脑上拆成几个小文件后发到群里',
    );
  });

  it('a file sent directly that Lark refuses (234003, e.g. recalled) is not called part of a merged forward', async () => {
    const { id } = await sendFile(Buffer.from('x'), '入户核查表.xlsx', { errorCode: 234003 });
    await h.settle();
    const [m] = await materialsOf(h.db.db, id);
    expect(m).toMatchObject({ status: 'needs_reupload', sha256: null, attempts: 1 });
    clock.advance(3000); // past the burst's quiet window
    const reply = replyText(await waitFor('the burst reply', () => repliesTo(h.fake, id)[0]));
    expect(reply).toContain('以下文件机器人无法下载（消息可能已撤回），请重新发送：入户核查表.xlsx');
    expect(reply).not.toContain('合并转发');
  });

  it('a 150 MB file, refused whole above 100 MB, arrives in Range chunks and is stored whole', async () => {
    const bytes = randomBytes(150 * MB);
    const { id, key } = await sendFile(bytes, '验收全过程.mp4', { maxWhole: 100 * MB });
    await h.settle();
    const [m] = await materialsOf(h.db.db, id);
    expect(m).toMatchObject({ status: 'stored', sha256: sha256(bytes), size_bytes: 150 * MB, attempts: 1 });
    expect(statSync(h.bot.blobs.localPath(m!.storage_key!)!).size).toBe(150 * MB);
    const calls = downloadsOf(h.fake, key);
    expect(calls).toHaveLength(Math.ceil(150 / 8));
    expect(calls.every((c) => /^bytes=\d+-\d+$/.test(String(c.headers.range)))).toBe(true);
  }, 60_000);

  it('after its last attempt a download is failed, visible, and its job dead', async () => {
    const { id, key } = await sendFile(Buffer.from('never arrives'), '花名册.xls');
    h.fake.inject({ path: new RegExp(`/resources/${key}$`), fault: { status: 503 } });
    for (let i = 0; i < 8; i++) await afterBackoff();
    const [m] = await materialsOf(h.db.db, id);
    expect(m).toMatchObject({ status: 'failed', attempts: 8 });
    expect(m!.last_error).toMatch(/503/);
    expect(await jobOf(m!.id)).toMatchObject({ status: 'dead', attempts: 8 });
    expect(downloadsOf(h.fake, key)).toHaveLength(8);
  });
});
