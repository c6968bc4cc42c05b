import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { createCampaign } from '../../src/usecases/create-campaign.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { campaignDeps } from '../support/campaign-deps.js';
import { cardMarkdownLinks } from '../support/cards.js';
import { createWebWorld, nextMondayDigest, type WebWorld } from './web-world.js';

/**
 * Two 城关村 in one county (one in 城关镇, one in 河西镇): the county digest's 最久未交齐 and the 逾期
 * list its heading opens name each with its township — only those two; a township's own lists, where
 * the name is unique, name it alone. Both read 「城关村」 before, two villages looking alike.
 */
describe.skipIf(!hasChromium)('villages of the same name in a county digest and its pages', () => {
  let w: WebWorld;
  let browser: Browser;
  beforeAll(async () => {
    w = await createWebWorld('SN');
    const deps = { db: w.h.db.db, clock: w.clock };
    await importUnits(deps, {
      text: 'code,name,kind,parent_code\nSN20,河西镇,township,SN00\nSN21,城关村,village,SN20',
      fileName: 'units.csv',
    });
    await createCampaign(campaignDeps(deps), {
      checklistCode: 'village-jzfp',
      year: 2026,
      deadline: new Date('2026-12-31T00:00:00+08:00'),
      unitCodes: ['SN21'],
      createdBy: 'cli',
      code: 'SN-hexi-2026',
    });
    const other = (await getUnitByCode(w.h.db.db, 'SN21'))!;
    await w.h.db.db.execute(
      sql`update tasks set due_at = now() + interval '200 days' where unit_id = ${other.id}`,
    );
    await w.h.db.db.execute(
      sql`update tasks set due_at = now() - interval '5 days' where unit_id = ${other.id} and code = 'C01'`,
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('names each 城关村 with its township on the card and on the page it opens', async () => {
    const digest = await nextMondayDigest(w, w.org.leader, 'the county digest');
    const links = cardMarkdownLinks(digest.content);
    const lines = links.filter(([, url]) => url.includes('/tasks/')).map(([t]) => t.split(' #')[0]);
    expect(lines).toEqual(['城关村（河西镇）', '城关村（城关镇）', '河口村']);

    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const unitsOf = () =>
      page
        .locator('#overdue tr td:first-child')
        .evaluateAll((tds) => tds.map((td) => td.textContent!.trim()));
    const [, heading] = links.find(([t]) => t.startsWith('最久未交齐'))!;
    await page.goto(heading);
    expect(await unitsOf()).toEqual(['城关村（河西镇）', '城关村（城关镇）', '河口村']);
    // 城关镇's own 逾期 list: one 城关村 there, named alone.
    await page.goto(`${w.h.bot.url}/units/${w.units.township.id}`);
    expect(await unitsOf()).toEqual(['城关村', '河口村']);
    await ctx.close();
  });
});
