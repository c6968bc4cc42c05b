import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { claimDue } from '../../src/db/repos/queue.js';
import { retryDeadJobs } from '../../src/usecases/retry-dead-jobs.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

/**
 * A 督办 whose delivery job died with its process on the last attempt (the job row goes dead, the
 * handler never saw it fail) is not 「今天已督办」 for good: the send is closed as failed, the page
 * says it may have arrived (督办可能已送达), and a press (or `jobs retry`) sends it.
 */
function diedDelivery(name: string, prefix: string, after: (t: Tools) => Promise<void>) {
  describe(name, () => {
    let w: WebWorld;
    let leader: string;
    beforeAll(async () => {
      w = await createWebWorld(prefix);
      leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    });
    afterAll(() => w?.close());

    const village = () => w.units.village2.id;
    const inVillageChat = () => w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2);
    const page = async (path: string) => (await w.get(path, leader)).text();
    const press = async () => {
      const csrf = csrfOf(await page(`/units/${village()}`))!;
      const res = await w.postUrge(leader, { unit: village(), _csrf: csrf, back: `/units/${village()}` });
      expect(res.status).toBe(200);
      return res.text();
    };
    const urgeStatus = () => w.urgeStatuses(w.chats.village2);

    /** Pressed while the job worker is down; a process claims the delivery on its last attempt and dies. */
    const pressAndDie = async () => {
      await w.h.bot.jobWorker.stop();
      expect(await press()).toContain('督办已安排发送到河口村的群里');
      await w.h.db.db.execute(
        sql`update jobs set attempts = max_attempts - 1 where kind = 'scheduled-send' and status = 'pending'`,
      );
      const claimed = await claimDue(w.h.db.db, 'jobs', 'killed-on-last-attempt', 50, w.clock.now());
      expect(claimed.some((j) => j.type === 'scheduled-send')).toBe(true);
      await w.h.restart();
      // Its lease long expired (the process is gone): the sweep finds the row on its last attempt.
      await w.h.db.db.execute(
        sql`update jobs set locked_at = locked_at - interval '1 day' where locked_by = 'killed-on-last-attempt'`,
      );
      await w.h.bot.jobWorker.sweep();
      const [job] = await queryRows<{ status: string }>(
        w.h.db.db,
        sql`select status from jobs where kind = 'scheduled-send' and key like ${`urge:${w.chats.village2}:%`}
          order by id desc limit 1`,
      );
      expect(job!.status).toBe('dead');
      expect(await waitFor('the 督办 closed', urgeStatus, (s) => s[0] === 'failed')).toEqual(['failed']);
      expect(inVillageChat()).toHaveLength(0);
      const html = await page(`/units/${village()}`);
      // It died mid-attempt: Lark may have posted it, so the page does not say it did not arrive.
      expect(html).toContain('督办可能已送达');
      expect(html).not.toContain('今天已督办');
    };

    it('is closed as failed (督办可能已送达), and then sent once', async () => {
      await pressAndDie();
      await after({ w, press });
      expect(await waitFor('the 督办 sent', urgeStatus, (s) => s[0] === 'sent')).toEqual(['sent']);
      expect(inVillageChat()).toHaveLength(1);
      expect(await page(`/units/${village()}`)).toContain('今天已督办');
    });
  });
}

interface Tools {
  w: WebWorld;
  press: () => Promise<string>;
}

diedDelivery('督办 whose delivery job died, pressed again', 'WD', async ({ press }) => {
  expect(await press()).toContain('督办已安排发送到河口村的群里');
});

diedDelivery('督办 whose delivery job died, `jobs retry`', 'WR', async ({ w }) => {
  expect(await retryDeadJobs(w.h.db.db, { kind: 'scheduled-send' }, w.clock.now())).toMatchObject({
    jobs: 1,
  });
  w.h.bot.jobWorker.wake();
});
