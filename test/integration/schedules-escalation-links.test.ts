import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { cardMarkdownLinks } from '../support/cards.js';
import { schedulesWorld, type SchedulesWorld } from './schedules-world.js';

const PUBLIC_URL = 'https://archive.example.cn';

/**
 * A leader's escalation with web pages: its buttons opened units' pages, but its lines (the tasks late
 * past the threshold) opened nothing, so the leader could not see what one of them lacked without
 * finding it again on the village's page.
 */
describe('the escalation with web pages', () => {
  let w: SchedulesWorld;
  beforeAll(async () => {
    w = await schedulesWorld('WL', '2026-11-25T10:00:00+08:00');
  });
  afterAll(() => w?.close());

  it("each late task's line opens its task page", async () => {
    const V2 = `WL12`;
    const c07 = await w.setDue(V2, 'C07', '2026-11-06');
    const c06 = await w.setDue(V2, 'C06', '2026-11-19');
    const scheduler = schedulerFor(w.h.bot.deps, w.settings, {
      wakeJobs: () => w.h.bot.jobWorker.wake(),
      instance: 'test-WL-links',
      publicUrl: PUBLIC_URL,
    });
    await w.runAt('2026-11-26T09:00:00+08:00', scheduler);
    const [escalation] = w.sentTo(w.townshipLeader);
    const links = cardMarkdownLinks(escalation!.content).filter(([, url]) => url.includes('/tasks/'));
    expect(links.map(([, url]) => url)).toEqual([`${PUBLIC_URL}/tasks/${c07}`, `${PUBLIC_URL}/tasks/${c06}`]);
    expect(links[0]![0]).toMatch(/^\*\*#C07 /);
  });
});
