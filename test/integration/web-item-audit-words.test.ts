import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { unfileItem } from '../../src/usecases/refile-item.js';
import { unconfirmArchive } from '../../src/usecases/unconfirm-archive.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';
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

  it('the task page lists an officer’s filings under 已提交 and the item page names its filer under 提交, not 归档', async () => {
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const task = await (await w.get(`/tasks/${w.taskC05}`, leader)).text();
    expect(task).toContain(`href="/items/${w.itemId}"`);
    expect(/<h2>([^<]*)<\/h2>/.exec(task)?.[1]?.trim()).toMatch(/^已提交（\d+）$/);
    expect(task).not.toContain('已归档');
    const item = await (await w.get(`/items/${w.itemId}`, leader)).text();
    const terms = [...item.matchAll(/<dt>([^<]*)<\/dt>/g)].map((m) => m[1]);
    expect(terms).toContain('提交');
    expect(terms).not.toContain('归档');
  });

  it("lists 提交 then 撤下, in words (an officer 提交 to a task; 归档 is the archivist's 确认归档)", async () => {
    const res = await unfileItem(
      { db: w.h.db.db, clock: w.clock },
      { itemId: w.itemId, actorOpenId: w.org.archivist, source: 'card', reason: '交错了村' },
    );
    expect(res.status).toBe('unfiled');
    const page = await w.get(`/items/${w.itemId}`, archivist);
    expect(page.status).toBe(200);
    const audit = /<table id="audit">([\s\S]*?)<\/table>/.exec(await page.text())![1]!;
    const actions = [...audit.matchAll(/<tr>\s*<td>[^<]*<\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(actions).toEqual(expect.arrayContaining(['提交', '撤下']));
    expect(actions).not.toContain('归档');
    expect(actions).not.toContain('取消归档');
    for (const a of actions) expect(a).not.toMatch(/^[a-z_]+$/);
  });

  it('names 撤销确认 as the 更正 card and archive unconfirm do, not 「撤回」, the word of a recalled message', async () => {
    const confirmed = await confirmArchive(
      { db: w.h.db.db, clock: w.clock, rules: TEST_ARCHIVE_CONFIG },
      { unitId: w.units.village2.id, year: 2026, actor: 'cli', source: 'cli' },
    );
    expect(confirmed.status).toBe('confirmed');
    const res = await unconfirmArchive(
      { db: w.h.db.db, clock: w.clock, timeZone: 'Asia/Shanghai' },
      { itemId: w.item2Id, reason: '归错', actor: 'cli', source: 'cli' },
    );
    expect(res.status).toBe('withdrawn');
    // 河口村 is outside the archivist's township: the county leader reads it.
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const page = await w.get(`/items/${w.item2Id}`, leader);
    const audit = /<table id="audit">([\s\S]*?)<\/table>/.exec(await page.text())![1]!;
    const actions = [...audit.matchAll(/<tr>\s*<td>[^<]*<\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(actions).toEqual(expect.arrayContaining(['确认归档', '撤销确认']));
    expect(actions.filter((a) => a!.includes('撤回'))).toEqual([]);
  });
});
