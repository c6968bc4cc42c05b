import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { claimDue } from '../../src/db/repos/queue.js';
import { insertMaterialsWithDownloads } from '../../src/db/repos/materials.js';
import {
  ACK_BURST_JOB,
  DOWNLOAD_MATERIAL_JOB,
  MAKE_THUMBNAIL_JOB,
  RECONCILE_JOB,
} from '../../src/domain/job-types.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { QueueWorker } from '../../src/worker/queue-worker.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

describe('job priority: when work queues up, what a person waits for is taken first', () => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(() => tdb.close());

  it('a burst reply due last is claimed before downloads, and downloads before re-checks', async () => {
    const t0 = new Date('2026-12-04T08:00:00Z');
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    // A backlog: 20 reconciliation rounds due first, then a download enqueued in SQL, then the reply.
    for (let i = 0; i < 20; i++)
      await enqueueJob(tdb.db, { type: RECONCILE_JOB, key: `slot-${i}`, payload: {}, runAt: at(0) }, at(0));
    const [materialId] = await insertMaterialsWithDownloads(
      tdb.db,
      [
        {
          messageId: 'om_photo',
          resourceKey: 'img_1',
          resourceType: 'image',
          chatId: 'oc_1',
          senderOpenId: 'ou_1',
          sentAt: at(1),
          kind: 'photo',
        },
      ],
      at(1),
    );
    await enqueueJob(tdb.db, { type: ACK_BURST_JOB, key: '1', payload: { burstId: 1 }, runAt: at(2) }, at(2));

    // One at a time (a claim of several starts them together, in no order).
    const claimed = [];
    for (let i = 0; i < 3; i++) claimed.push(...(await claimDue(tdb.db, 'jobs', 'w1', 1, at(3))));
    expect(claimed.map((r) => r.type)).toEqual(['ack-burst', 'download-material', 'reconcile']);
    expect(claimed[1]!.payload).toEqual({ materialId });
    // Within one priority, oldest due first; a job not yet due waits whatever its priority.
    await enqueueJob(
      tdb.db,
      { type: ACK_BURST_JOB, key: '2', payload: { burstId: 2 }, runAt: at(60) },
      at(3),
    );
    const next = await claimDue(tdb.db, 'jobs', 'w1', 2, at(4));
    expect(next.map((r) => r.type)).toEqual(['reconcile', 'reconcile']);
  });

  it('background jobs (priority last) wait while the worker runs other work, at most backgroundHoldMs', async () => {
    await queryRows(tdb.db, sql`delete from jobs`);
    const clock = new ManualClock(new Date('2026-12-04T09:00:00Z'));
    const started: string[] = [];
    let releaseDownload!: () => void;
    const downloadDone = new Promise<void>((r) => (releaseDownload = r));
    const worker = new QueueWorker({
      db: tdb.db,
      table: 'jobs',
      clock,
      logger: silentLogger(),
      metrics: new Metrics(),
      workerId: 'w-flood',
      concurrency: 4,
      maxAttempts: 3,
      leaseSeconds: 600,
      backgroundHoldMs: 60_000,
      handle: async (row) => {
        started.push(`${row.type}:${(row.payload as { materialId: number }).materialId}`);
        if (row.type === DOWNLOAD_MATERIAL_JOB.name && started.length === 1) await downloadDone;
      },
    });
    const enqueue = (type: typeof DOWNLOAD_MATERIAL_JOB | typeof MAKE_THUMBNAIL_JOB, id: number) =>
      enqueueJob(
        tdb.db,
        { type, key: String(id), payload: { materialId: id }, runAt: clock.now() },
        clock.now(),
      );
    try {
      // A download in flight (a flood: there are always some), then a thumbnail and another download.
      await enqueue(DOWNLOAD_MATERIAL_JOB, 1);
      worker.start();
      await waitFor(
        'the first download runs',
        () => Promise.resolve(started),
        (s) => s.length === 1,
      );
      await enqueue(MAKE_THUMBNAIL_JOB, 1);
      await enqueue(DOWNLOAD_MATERIAL_JOB, 2);
      worker.wake();
      await waitFor(
        'the second download ran',
        () => Promise.resolve(started),
        (s) => s.length === 2,
      );
      await clock.advance(1000);
      worker.wake();
      await worker.claimsDone();
      // Three slots free, the thumbnail due: it still waits behind the download in flight.
      expect(started).toEqual(['download-material:1', 'download-material:2']);
      // Held long enough, it goes even while downloads run (a steady trickle never starves it).
      await clock.advance(60_000);
      worker.wake();
      await waitFor(
        'the thumbnail runs',
        () => Promise.resolve(started),
        (s) => s.length === 3,
      );
      expect(started[2]).toBe('make-thumbnail:1');
      // And with nothing else in flight a background job goes at once.
      await enqueue(MAKE_THUMBNAIL_JOB, 2);
      releaseDownload();
      await worker.idle();
      worker.wake();
      await worker.idle();
      expect(started).toContain('make-thumbnail:2');
    } finally {
      releaseDownload();
      await worker.stop();
    }
  });
});
