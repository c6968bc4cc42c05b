import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { SPLIT_CARD_JOB } from '../../src/domain/job-types.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';
import { insertBurst } from './campaign-fixtures.js';
import { repliesTo, replyText } from './capture-helpers.js';

/**
 * A county on Xinjiang time (TZ=Asia/Urumqi, UTC+6): 00:30 on 7 December there is 02:30 in Beijing.
 * How to send originals (原图) is said once a day to each sender, on the first card of their local day.
 */
describe('the card of a split part (分开归档), in the configured TZ', () => {
  const clock = new ManualClock('2026-12-06T18:30:00Z');
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock, env: { TZ: 'Asia/Urumqi' } });
  });
  afterAll(() => h.close());

  it('the first card after midnight there says it again, though Beijing is still in the same day', async () => {
    const chatId = 'oc_tz_urumqi';
    const sender = 'ou_7a1c0e3b5d2f4a6987c1b0e2d3f4a5b6';
    const compressed = async (burstId: number) =>
      h.db.db.execute(sql`update materials set quality = 'compressed' where burst_id = ${burstId}`);
    // 23:30 the evening before in Urumqi (01:30 on the 7th in Beijing): that card told it.
    const evening = new Date('2026-12-06T17:30:00Z');
    const before = await insertBurst(h.db.db, { chatId, sender, kinds: ['photo'], at: evening });
    await compressed(before.burstId);
    await h.db.db.execute(
      sql`update bursts set ack_claimed_at = ${evening.toISOString()}::timestamptz, ack_message_id = 'om_tz_told'
          where id = ${before.burstId}`,
    );
    // A part's card queued by the split as it was before its parts card (a job left from before an upgrade).
    const part = await insertBurst(h.db.db, { chatId, sender, kinds: ['photo'], at: clock.now() });
    await compressed(part.burstId);
    await enqueueJob(
      h.db.db,
      {
        type: SPLIT_CARD_JOB,
        key: String(part.burstId),
        payload: { burstId: part.burstId },
        runAt: clock.now(),
      },
      clock.now(),
    );
    const [row] = await queryRows<{ first_message_id: string }>(
      h.db.db,
      sql`select first_message_id from bursts where id = ${part.burstId}`,
    );
    await h.settle();
    const reply = await waitFor('the part card', () => repliesTo(h.fake, row!.first_message_id)[0]);
    expect(replyText(reply)).toContain('以后发照片时请勾选「原图」');
  });
});
