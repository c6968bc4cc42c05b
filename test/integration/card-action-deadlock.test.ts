import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonValue } from '../support/cards.js';
import { postPhoto, postText, replyAfterQuiet } from '../support/chat-photos.js';
import { cardActionEvent } from '../support/events.js';
import { startVillageWithSecondConnection } from '../support/bound-chat.js';
import type { Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import type { SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
if (!onPostgres)
  console.warn('card-action-deadlock: skipped (needs TEST_DATABASE_URL: PGlite never deadlocks)');
const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * A tap whose transaction PostgreSQL rolls back for a deadlock (here 分开交 against another
 * transaction that holds the burst's files and then asks for the burst, as a recall does) runs again
 * rather than answering 「操作失败，请稍后再试。」: the split happens once the other one is done.
 */
describe.skipIf(!onPostgres)('a card tap that loses a deadlock', () => {
  let h: Harness;
  let org: SeededOrg;
  let other: postgres.Sql;
  const chatId = id('oc_');
  const clock = new ManualClock(awakeNow());
  beforeAll(async () => {
    ({ h, org, other } = await startVillageWithSecondConnection(clock, 'DL', chatId));
  });
  afterAll(async () => {
    await other?.end();
    await h?.close();
  });

  it('分开交 rolled back by a deadlock runs again and splits the burst', async () => {
    const ids = [
      await postPhoto(h, { chatId, sender: org.officer }),
      await postPhoto(h, { chatId, sender: org.officer }),
    ];
    await postText(h, { chatId, sender: org.officer, text: '入户走访照片' });
    const card = await replyAfterQuiet(h, clock, ids[0]!);
    const split = buttonValue(card.content, 'split');
    const burstId = Number(split.b);

    // The other transaction never detects the deadlock itself: the tap's backend does, after its own
    // deadlock_timeout (1 s), and is the one rolled back.
    let tapping: Promise<Response> | undefined;
    await other.begin(async (tx) => {
      await tx`set local deadlock_timeout = '60s'`;
      await tx`select id from materials where burst_id = ${burstId} for update`;
      tapping = h.post(
        cardActionEvent({
          appId: h.fake.appId,
          operatorOpenId: org.officer,
          value: split,
          chatId,
          messageId: card.messageId,
        }),
      );
      // The tap holds the burst and waits for its files.
      await waitFor('the tap waiting for the files', async () => {
        const [row] = await tx`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
        return row!.n > 0;
      });
      await tx`select id from bursts where id = ${burstId} for update`;
    });
    const res = await tapping!;
    expect(res.status).toBe(200);
    const body = JSON.stringify(await res.json());
    expect(body).not.toContain('操作失败');

    const [burst] = await waitFor('the burst split', async () => {
      const rows = await other`select status from bursts where id = ${burstId}`;
      return rows[0]?.status === 'split' ? rows : undefined;
    });
    expect(burst!.status).toBe('split');
    expect(h.bot.deps.metrics.value('card_actions_retried_total', { action: 'split' })).toBe(1);
  });
});
