import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchItems } from '../../src/db/repos/page-search.js';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/**
 * A web world whose 城关村 photo is confirmed with `yearSeparator` as archive.yaml sets it, an archivist
 * signed in, and what the search page finds for a query.
 */
function confirmedWorld(prefix: string, yearSeparator: string) {
  const s = {} as { w: WebWorld; archivist: string; code: string };
  beforeAll(async () => {
    s.w = await createWebWorld(prefix);
    s.archivist = await s.w.signIn({ openId: s.w.org.archivist, name: '李档案' });
    const res = await confirmArchive(
      { db: s.w.h.db.db, clock: s.w.clock, rules: { ...TEST_ARCHIVE_CONFIG, yearSeparator } },
      // seedOrg's campaign year.
      { unitId: s.w.units.village.id, year: 2026, actor: 'cli', source: 'cli' },
    );
    s.code = res.status === 'confirmed' ? res.records.find((r) => r.itemId === s.w.itemId)!.archivalCode : '';
    expect(s.code.startsWith(`A182-ZP${yearSeparator}2026-`), s.code).toBe(true);
  });
  afterAll(() => s.w?.close());
  const hits = async (q: string) => {
    const res = await s.w.get(`/search?q=${encodeURIComponent(q)}`, s.archivist);
    expect(res.status, q).toBe(200);
    return [...new Set([...(await res.text()).matchAll(/href="\/items\/(\d+)"/g)].map((m) => Number(m[1])))];
  };
  return { s, hits };
}

/**
 * The archivist looks up a 件 on the search page by the 档号 on a paper list or a box label, typed as a
 * keyboard allows: 「.」 for 「·」, lower case, a full-width 「－」, spaces (each part then a word that must
 * occur). The page reads each word as `archive unconfirm --code` reads a typed 档号
 * (domain/typed-archival-code.ts), not only character for character.
 */
describe('the search page finds a 件 by a 档号 typed loosely', () => {
  const { s, hits } = confirmedWorld('WS', '·');

  it('as written, with 「.」, in lower case, with full-width 「－」 and with spaces', async () => {
    const { w, code } = s;
    expect(await hits(code)).toEqual([w.itemId]);
    const dotted = code.replace('·', '.');
    for (const typed of [
      dotted,
      dotted.toLowerCase(),
      code.replaceAll('-', '－'),
      code.replace('·', '。').replaceAll('-', ' - '),
      ` ${dotted.toLowerCase().replace('-', ' -')} `,
      // The class part alone: every 件 of the class in the viewer's units.
      dotted.slice(0, dotted.lastIndexOf('-')),
    ])
      expect(await hits(typed), typed).toEqual([w.itemId]);
    // 河口村's photo is not confirmed: a 档号 of 城关村 never finds it, and an unknown 档号 finds nothing.
    expect(await hits(dotted)).not.toContain(w.item2Id);
    expect(await hits(dotted.replace(/\d{4}$/, '9999'))).toEqual([]);
  });
});

/**
 * archive.yaml may set another year separator (`yearSeparator: '.'`): the 档号 is then printed
 * `A182-ZP.2026-…`, and an archivist who knows the standard types 「·」, the IME's 「・」, a full-width
 * 「．」 or 「－」, or a dash. Each finds the 件, as the 档号 printed with 「·」 is found by 「.」.
 */
describe('the search page finds a 件 by a 档号 typed loosely, whatever year separator is configured', () => {
  const { s, hits } = confirmedWorld('WD', '.');

  it('typed with 「·」「・」「．」「－」「-」「—」, full-width letters or in lower case', async () => {
    const { w, code } = s;
    expect(await hits(code)).toEqual([w.itemId]);
    for (const sep of ['·', '・', '．', '－', '-', '—', '——'])
      for (const typed of [
        code.replace('.', sep),
        code.replace('.', sep).toLowerCase(),
        code.replace('.', sep).replace('ZP', 'ＺＰ'),
        // The class part alone.
        code.replace('.', sep).slice(0, code.lastIndexOf('-')),
      ])
        expect(await hits(typed), typed).toEqual([w.itemId]);
    expect(await hits(code.replace('.', '·').replace(/\d{4}$/, '9999'))).toEqual([]);
  });

  it('also in the pass over the character pairs, when the newest items do not fill the page', async () => {
    const { w, code } = s;
    const find = (term: string) =>
      searchItems(w.h.db.db, {
        terms: [term],
        paths: [w.units.village.path],
        timeZone: 'Asia/Shanghai',
        limit: 50,
        recent: 0,
      });
    for (const typed of [code, code.replace('.', '·'), code.replace('.', '－').toLowerCase()])
      expect(
        (await find(typed)).map((h) => h.id),
        typed,
      ).toEqual([w.itemId]);
  });
});
