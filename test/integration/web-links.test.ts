import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDay, weekMonday, zonedInstant } from '../../src/domain/working-days.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { cardLinks, cardMarkdownLinks } from '../support/cards.js';
import { waitFor } from '../support/wait-for.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

const PUBLIC_URL = 'https://archive.example.test';
const TZ = 'Asia/Shanghai';

describe('links from the bot to the web pages (PUBLIC_URL set)', () => {
  let w: WebWorld;
  beforeAll(async () => {
    w = await createWebWorld('WL', { PUBLIC_URL });
  });
  afterAll(() => w?.close());

  it("the filing result card opens the item's page", async () => {
    const cards = [
      ...w.h.fake.sentMessages().map((m) => m.content),
      ...w.h.fake.patches().map((p: any) => p.content ?? p),
    ];
    const all = cards.flatMap(cardLinks);
    expect(all).toContainEqual(['查看', `${PUBLIC_URL}/items/${w.itemId}`]);
  });

  it("督办's card carries 查看全部 to the village page; the session cookie is Secure under https", async () => {
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const res = await w.get(`/units/${w.units.village.id}`, leader);
    expect(res.status).toBe(200);
    const csrf = csrfOf(await res.text())!;
    await w.postUrge(leader, { unit: w.units.village.id, _csrf: csrf });
    const [reminder] = await waitFor('the 督办 in 城关村工作群', () => {
      const list = w.h.fake
        .sentMessages()
        .filter((m) => m.receiveId === w.chats.village && JSON.stringify(m.content).includes('📌 督办'));
      return list.length > 0 && list;
    });
    expect(cardLinks(reminder!.content)).toEqual([['查看全部', `${PUBLIC_URL}/units/${w.units.village.id}`]]);

    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    const login = await w.get('/auth/login');
    expect(new URL(login.headers.get('location')!).searchParams.get('redirect_uri')).toBe(
      `${PUBLIC_URL}/auth/callback`,
    );
    expect(login.headers.getSetCookie()[0]).toMatch(/; Secure$/);
  });

  it("the weekly digest's 查看全部 opens the leader's unit, the weakest units get a button each, and 查看上周提交 lists the week's filings", async () => {
    // A scheduler as the bot builds it (same settings, PUBLIC_URL and worker).
    const scheduler = schedulerFor(w.h.bot.deps, w.h.bot.settings.schedules, {
      publicUrl: w.h.bot.config.web.publicUrl,
      wakeJobs: () => w.h.bot.jobWorker.wake(),
    });
    // The Monday after the photos were filed, 09:00 in Shanghai: the digest slot (08:30) is due, and
    // the week it reports holds the two filings.
    const monday = addDays(weekMonday(localDay(w.clock.now(), TZ)), 7);
    await scheduler.runDue(zonedInstant(monday, '09:00', TZ), 'tick');
    // Its sends are queued for that Monday: let that time come for the queue (the bot's clock now).
    await w.h.db.db.execute(
      sql`update jobs set run_at = ${w.h.bot.deps.clock.now()} where kind = 'scheduled-send' and status = 'pending'`,
    );
    w.h.bot.jobWorker.wake();
    const digest = await waitFor('the digest to the county leader', () =>
      w.h.fake
        .sentMessages()
        .find((m) => m.receiveId === w.org.leader && JSON.stringify(m.content).includes('周报')),
    );
    const buttons = cardLinks(digest.content);
    const all = buttons.find(([text]) => text === '查看全部');
    // The unit pages it opens count quality problems over the digest's week (web-digest-quality.test.ts).
    const days = `from=${addDays(monday, -7)}&to=${addDays(monday, -1)}`;
    expect(all).toEqual(['查看全部', `${PUBLIC_URL}/units/${w.units.county.id}?${days}`]);
    expect(buttons.map(([, url]) => url)).toContain(`${PUBLIC_URL}/units/${w.units.township.id}?${days}`);

    // The week's 新提交 figure opens its list, and the list holds as many items as the figure says.
    const text = JSON.stringify(digest.content);
    const filed = Number(/新提交 (\d+) 件/.exec(text)![1]);
    expect(filed).toBe(2);
    const week = buttons.find(([t]) => t === '查看上周提交')!;
    const sunday = addDays(monday, -1);
    expect(week[1]).toBe(
      `${PUBLIC_URL}/search?unit=${w.units.county.id}&from=${addDays(monday, -7)}&to=${sunday}`,
    );
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    const list = await (await w.get(week[1].slice(PUBLIC_URL.length), leader)).text();
    expect(/id="result-count">\s*共 (\d+) 件/.exec(list)?.[1]).toBe(String(filed));
    expect(list).toContain(`/items/${w.itemId}`);
    expect(list).toContain(`/items/${w.item2Id}`);
  });
});

/**
 * A county's week often holds more filings than one page of the search (50): the digest's 新提交 figure
 * still opens every one of them — 更早的 › pages on, none twice, none left out.
 */
describe('查看上周提交 over more filings than a page', () => {
  let w: WebWorld;
  beforeAll(async () => {
    w = await createWebWorld('WP', { PUBLIC_URL });
  });
  afterAll(() => w?.close());

  it('pages through as many items as the digest counts', async () => {
    // 70 more filings of 城关村 that week, at the same moment (the order's tie is broken by id).
    await w.h.db.db.execute(
      sql`insert into filing_items (task_id, unit_id, kind, title, n_photo, n_document, filed_by, filed_at, via)
          select fi.task_id, fi.unit_id, 'photo_group', '走访照片 ' || g, 1 + g % 3, 0, fi.filed_by,
            fi.filed_at - interval '1 millisecond', 'cli'
          from filing_items fi, generate_series(1, 70) g where fi.id = ${w.itemId}`,
    );
    const scheduler = schedulerFor(w.h.bot.deps, w.h.bot.settings.schedules, {
      publicUrl: w.h.bot.config.web.publicUrl,
      wakeJobs: () => w.h.bot.jobWorker.wake(),
    });
    const monday = addDays(weekMonday(localDay(w.clock.now(), TZ)), 7);
    await w.clock.set(zonedInstant(monday, '09:00', TZ));
    await scheduler.runDue(w.clock.now(), 'tick');
    w.h.bot.jobWorker.wake();
    const digest = await waitFor('the digest to the county leader', () =>
      w.h.fake
        .sentMessages()
        .find((m) => m.receiveId === w.org.leader && JSON.stringify(m.content).includes('周报')),
    );
    const [, filedText, materialsText] = /新提交 (\d+) 件、(\d+) 份材料/.exec(
      JSON.stringify(digest.content),
    )!;
    const filed = Number(filedText);
    const materials = Number(materialsText);
    expect(filed).toBe(72);
    // Groups of one to three photos: the card's 上周提交 figure counts their materials, not the items.
    expect(materials).toBeGreaterThan(filed);
    const figure = cardMarkdownLinks(digest.content).find(([, url]) => url.includes('/search?'))!;
    expect(figure[0]).toBe(`${materials} 份`);
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    let url: string | undefined = cardLinks(digest.content)
      .find(([t]) => t === '查看上周提交')![1]
      .slice(PUBLIC_URL.length);
    const seen: string[] = [];
    const counts: string[] = [];
    while (url) {
      const list = await (await w.get(url, leader)).text();
      counts.push(/id="result-count">\s*([^<]*?)\s*</.exec(list)![1]!);
      // An item's row links to it twice (thumbnail and title).
      seen.push(...new Set([...list.matchAll(/href="\/items\/(\d+)"/g)].map((m) => m[1]!)));
      url = /id="more" href="([^"]+)"/.exec(list)?.[1]?.replace(/&amp;/g, '&');
      expect(seen.length).toBeLessThan(200);
    }
    // The list says how many in all, items and materials, as the card does — the card's 「${materials} 份」
    // opened 「前 50 条」 and then 「更早的 22 条」, its figure nowhere.
    expect(counts).toEqual([`共 72 件，${materials} 份材料；先列出最新的 50 件`, '更早的 22 件（共 72 件）']);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(filed);
    expect(seen).toContain(String(w.itemId));
    expect(seen).toContain(String(w.item2Id));
  });
});
