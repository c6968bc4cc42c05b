import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

/**
 * Lark's sign-in may give no name (a user who hid it, an app without the scope): the pages then showed
 * the leader's open_id in their header, and the 督办 card in the village's chat named 「ou_…」 as who
 * urged. The name the people table has is used instead.
 */
describe('a leader whose Lark sign-in gives no name', () => {
  let w: WebWorld;
  beforeAll(async () => {
    w = await createWebWorld('VN');
  }, 120_000);
  afterAll(() => w?.close());

  it('is named by the people table on the pages and on the 督办 card, never by open_id', async () => {
    const leader = await w.signIn({ openId: w.org.leader, name: '' });
    const res = await w.get(`/units/${w.units.village.id}`, leader);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<span>赵书记</span>');
    expect(page).not.toContain(w.org.leader);
    await w.postUrge(leader, { unit: w.units.village.id, _csrf: csrfOf(page)! });
    const urge = await waitFor('the 督办 in the village chat', () =>
      w.h.fake
        .sentMessages()
        .find((m) => m.receiveId === w.chats.village && JSON.stringify(m.content).includes('📌 督办')),
    );
    const text = JSON.stringify(urge.content);
    expect(text).toContain('赵书记');
    expect(text).not.toContain(w.org.leader);
  });
});
