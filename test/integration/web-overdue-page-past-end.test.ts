import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interceptStatements } from '../support/intercept-statements.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/** The 逾期 list's ranking statement (missingForUnit): every missing task of the subtree, sorted. */
const RANKING = /where p\.filed < p\.min_count\s+order by/;

/**
 * A unit page's 逾期 list past its last page (?overdue_page=9999, a link edited by hand) says
 * 「后面没有了」 without ranking the subtree's missing tasks to skip them all: any signed-in viewer
 * could otherwise make the database sort a county's ~500,000 rows for an empty page.
 */
describe('the 逾期 list past its last page', () => {
  let tdb: TestDb;
  let w: WebWorld;
  const ran: string[] = [];

  beforeAll(async () => {
    const real = await createTestDb();
    tdb = {
      ...real,
      db: interceptStatements(real.db, (text, run) => {
        ran.push(text);
        return run();
      }),
    };
    w = await createWebWorld('WP', {}, { db: tdb });
  });
  afterAll(async () => {
    await w?.close();
    await tdb?.close();
  });

  const open = async (cookie: string, query: string) => {
    ran.length = 0;
    const res = await w.get(`/units/${w.units.township.id}${query}`, cookie);
    expect(res.status).toBe(200);
    return { text: await res.text(), ranked: ran.some((t) => RANKING.test(t)) };
  };

  it('shows 「后面没有了」 and runs no ranking; the last real page still lists its tasks', async () => {
    const leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    // C01 is overdue in both villages: two tasks, one page.
    const first = await open(leader, '?overdue_page=1');
    expect(first.ranked).toBe(true);
    expect(first.text).toContain('<span id="overdue-count">2</span>');
    expect(
      first.text.match(/<table id="overdue">[\s\S]*?<\/table>/)![0].match(/href="\/tasks\//g),
    ).toHaveLength(2);
    for (const page of ['2', '9999']) {
      const past = await open(leader, `?overdue_page=${page}`);
      expect(past.text).toContain('后面没有了。');
      expect(past.text).not.toContain('<table id="overdue">');
      expect(past.text).toMatch(/id="overdue-range">\s*共 2\s*项/);
      expect(past.ranked).toBe(false);
    }
  });
});
