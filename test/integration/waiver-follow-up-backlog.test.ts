import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { WAITING_PAGE } from '../../src/usecases/waiver-follow-up.js';
import { bindVillageChat } from '../support/bound-chat.js';
import { cardButtons } from '../support/cards.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { cliInProcess } from '../support/cli-in-process.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow, catchUpWithCommandLine } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;

/**
 * 免交 draws again every waiting card of the unit's chats that offers the task. It read the first 500
 * (oldest first) and left the rest as they were: in a village with a long backlog the newest cards,
 * the ones the officers look at, still offered the waived task.
 */
describe('免交 with more waiting cards than one page', () => {
  let h: Harness;
  let org: SeededOrg;
  const clock = new ManualClock(awakeNow());
  const chatId = id('oc_');
  beforeAll(async () => {
    h = await startHarness({ mode: 'webhook', clock });
    org = await seedOrg(h.db.db, { prefix: 'WB', clock });
    await bindVillageChat(h, org, chatId);
  });
  afterAll(() => h.close());
  afterEach(() => h.fake.assertNoUnknownRoutes());

  // 501 cards drawn again by the job workers: longer than a test's usual 30 s on a busy machine.
  it(
    'the newest card is drawn again without the task, past the first page',
    { timeout: 120_000 },
    async () => {
      const photo = await postPhoto(h, { chatId, sender: org.officer });
      const ack = await replyAfterQuiet(h, clock, photo);
      const offered = cardButtons(ack.content).find((b) => b.value.a === 'file')!;
      const [task] = await queryRows<{ code: string }>(
        h.db.db,
        sql`select code from tasks where id = ${offered.value.t}`,
      );
      // A backlog older than it: a full page of bursts still waiting, each with its card (copies of it).
      const [burst] = await queryRows<{ id: number }>(
        h.db.db,
        sql`select burst_id::int as id from materials where message_id = ${photo}`,
      );
      const columns = async (table: string, except: string[]) =>
        (
          await queryRows<{ c: string }>(
            h.db.db,
            sql`select column_name as c from information_schema.columns
              where table_schema = current_schema() and table_name = ${table} order by ordinal_position`,
          )
        )
          .map((r) => r.c)
          .filter((c) => !except.includes(c));
      const burstCols = await columns('bursts', ['id', 'first_message_id', 'ack_message_id', 'first_at']);
      const materialCols = await columns('materials', ['id', 'message_id', 'burst_id']);
      const list = (cs: string[], prefix = '') => sql.raw(cs.map((c) => `${prefix}"${c}"`).join(', '));
      await h.db.db.execute(sql`
      with b as (
        insert into bursts (${list(burstCols)}, first_message_id, ack_message_id, first_at)
        select ${list(burstCols, 'o.')}, 'om_backlog_' || g, 'om_backlog_card_' || g,
          o.first_at - make_interval(mins => ${WAITING_PAGE + 1} - g)
        from bursts o, generate_series(1, ${WAITING_PAGE}) g where o.id = ${burst!.id}
        returning id, first_message_id)
      insert into materials (${list(materialCols)}, message_id, burst_id)
      select ${list(materialCols, 'm.')}, b.first_message_id, b.id
      from b, materials m where m.message_id = ${photo}`);

      // Only what the waiver drew (the card may have been patched before, as its files were saved).
      const before = h.fake.patches().length;
      // The clock moves on while waiting: a drawing refused once (Lark's rate limit, a busy database) is
      // retried later on it.
      const patched = async (messageId: string) => {
        await clock.advance(1000);
        return h.fake
          .patches()
          .slice(before)
          .find((p) => p.messageId === messageId);
      };
      const waived = await cliInProcess(
        ['archive', 'waive', '--unit', org.village, '--task', task!.code, '--reason', '本年度未开展'],
        { DATA_DIR: h.dataDir },
        h.db,
      );
      expect(waived.code, waived.stderr).toBe(0);
      await catchUpWithCommandLine(clock);
      // The newest card, the one past the first page, is drawn again: the task no longer offered.
      const redrawn = await waitFor('the newest card drawn again', () => patched(ack.messageId), {
        timeoutMs: 90_000,
      });
      expect(cardButtons(redrawn.content).some((b) => b.value.a === 'file')).toBe(true);
      expect(cardButtons(redrawn.content).filter((b) => b.value.t === offered.value.t)).toEqual([]);
      // And so is the oldest of the backlog.
      await waitFor('the oldest card drawn again', () => patched('om_backlog_card_1'), { timeoutMs: 90_000 });
    },
  );
});
