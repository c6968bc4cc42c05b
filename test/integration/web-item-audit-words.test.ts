import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unfileItem } from '../../src/usecases/refile-item.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/**
 * The item page's 操作记录 names each step with the word the chat card and the CLI use for it: an
 * archivist's 撤下 (card 「撤下这件材料」, `archive unfile`) is 撤下 there too, and no row shows a code.
 */
describe('the item page names an archivist’s 撤下 as the card does', () => {
  let w: WebWorld;
  let archivist: string;

  beforeAll(async () => {
    w = await createWebWorld('WA');
    archivist = await w.signIn({ openId: w.org.archivist, name: '李档案' });
  });
  afterAll(() => w?.close());

  it('lists 归档 then 撤下, in words', async () => {
    const res = await unfileItem(
      { db: w.h.db.db, clock: w.clock },
      { itemId: w.itemId, actorOpenId: w.org.archivist, source: 'card', reason: '交错了村' },
    );
    expect(res.status).toBe('unfiled');
    const page = await w.get(`/items/${w.itemId}`, archivist);
    expect(page.status).toBe(200);
    const audit = /<table id="audit">([\s\S]*?)<\/table>/.exec(await page.text())![1]!;
    const actions = [...audit.matchAll(/<tr>\s*<td>[^<]*<\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(actions).toContain('撤下');
    expect(actions).not.toContain('取消归档');
    for (const a of actions) expect(a).not.toMatch(/^[a-z_]+$/);
  });
});
