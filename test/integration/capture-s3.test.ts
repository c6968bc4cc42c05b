import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { messageEvent } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';
import { materialsOf, sha256, smallPhoto, waitFor } from './capture-helpers.js';

/**
 * Capture with BLOB_STORE=s3, end to end (webhook → fake Lark → PGlite/PostgreSQL → s3rver): the
 * photo lands in the bucket under its hash with its thumbnail, nothing stays on the local disk,
 * and a store that goes down makes downloads wait (attempts unchanged, /readyz 503) until it is
 * back, then they finish by themselves.
 */
describe('capture into an S3-compatible store', () => {
  const OPS = 'oc_ops_room';
  let s3: LocalS3;
  let h: Harness;
  beforeAll(async () => {
    s3 = await startLocalS3();
    h = await startHarness({
      env: {
        ...s3.env('county/'),
        RESOURCE_RECHECK_SECONDS: '1',
        BURST_QUIET_SECONDS: '1',
        OPS_CHAT_ID: OPS,
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await s3?.close();
  });

  const postPhoto = async (tag: string) => {
    const bytes = await smallPhoto('jpeg');
    const key = `img_s3_${tag}_${Date.now()}`;
    const ev = messageEvent({ appId: h.fake.appId, msgType: 'image', content: { image_key: key } });
    h.fake.addResource({ messageId: ev.event.message.message_id, fileKey: key, bytes });
    expect((await h.post(ev)).status).toBe(200);
    return { id: ev.event.message.message_id, bytes };
  };
  const readAll = async (s: Readable) => {
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };
  const readyz = async () => {
    const res = await fetch(`${h.bot.url}/readyz`);
    return { status: res.status, resources: ((await res.json()) as any).checks.resources };
  };
  const downloadJobs = () =>
    queryRows<{ status: string; attempts: number }>(
      h.db.db,
      sql`select status, attempts from jobs where kind = 'download-material' and status <> 'done' order by id`,
    );

  it('stores the photo and its thumbnail in the bucket under the prefix; no local copy', async () => {
    const { id, bytes } = await postPhoto('one');
    const [m] = await waitFor(
      'stored',
      () => materialsOf(h.db.db, id),
      (ms) => ms[0]?.status === 'stored',
    );
    expect(m!.sha256).toBe(sha256(bytes));
    expect(m!.storage_key).toBe(`blobs/${m!.sha256!.slice(0, 2)}/${m!.sha256!.slice(2, 4)}/${m!.sha256}`);
    expect(m!.sniffed_mime).toBe('image/jpeg');
    // The thumbnail follows (a job behind the downloads), made from the bucket's copy.
    const [t] = await waitFor(
      'thumbnail',
      () => materialsOf(h.db.db, id),
      (ms) => ms[0]?.thumbnail_key != null,
    );
    expect(t!.thumbnail_key).toBe(`thumbs/${m!.sha256}.jpg`);
    // Read back through the running bot's store (the bucket, verified against the hash).
    expect((await readAll(h.bot.blobs.openRead(m!.storage_key!))).equals(bytes)).toBe(true);
    expect(await h.bot.blobs.exists(t!.thumbnail_key!)).toBe(true);
    const keys: string[] = [];
    for await (const page of h.bot.blobs.listBlobs()) keys.push(...page);
    expect(keys).toEqual([m!.storage_key]);
    // Nothing under DATA_DIR/files; the spool is empty.
    expect(() => readdirSync(join(h.dataDir, 'files'))).toThrow();
    expect(readdirSync(join(h.dataDir, 's3-spool', 'tmp'))).toEqual([]);
  });

  it('a store that is down: downloads wait with attempts unchanged, /readyz 503, and resume when it is back', async () => {
    await s3.stop();
    const sent = [await postPhoto('a'), await postPhoto('b')];
    await waitFor('readyz 503 store_unwritable', readyz, (r) => r.resources === 'store_unwritable');
    await waitFor('two download jobs', downloadJobs, (rows) => rows.length === 2);
    await h.settle();
    expect(await downloadJobs()).toEqual(Array(2).fill({ status: 'pending', attempts: 0 }));
    const pending = (await Promise.all(sent.map((s) => materialsOf(h.db.db, s.id)))).flat();
    expect(pending.map((m) => [m.status, m.attempts])).toEqual(Array(2).fill(['pending', 0]));
    // The operations alert says where to look: the object store, not a folder on this server.
    await h.bot.checkAlerts();
    const alert = JSON.stringify(
      h.fake
        .sentMessages()
        .filter((m) => m.receiveId === OPS)
        .map((m) => m.content),
    );
    expect(alert).toContain('对象存储连不上或拒绝写入');
    expect(alert).not.toContain('DATA_DIR/files');

    await s3.resume();
    const stored = await waitFor(
      'both stored without a restart',
      async () => (await Promise.all(sent.map((s) => materialsOf(h.db.db, s.id)))).flat(),
      (ms) => ms.length === 2 && ms.every((m) => m.status === 'stored'),
    );
    expect(stored.map((m) => m.sha256)).toEqual(sent.map((s) => sha256(s.bytes)));
    expect(await readyz()).toEqual({ status: 200, resources: true });
    expect(readdirSync(join(h.dataDir, 's3-spool', 'tmp'))).toEqual([]);
  });
});
