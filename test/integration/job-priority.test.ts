import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { claimDue } from '../../src/db/repos/queue.js';
import { insertMaterialsWithDownloads } from '../../src/db/repos/materials.js';
import { ACK_BURST_JOB, RECONCILE_JOB } from '../../src/domain/job-types.js';
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
});
