import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmArchive } from '../../src/usecases/confirm-archive.js';
import { TEST_ARCHIVE_CONFIG } from './archive-fixtures.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/**
 * The archivist looks up a 件 on the search page by the 档号 on a paper list or a box label, typed as a
 * keyboard allows: 「.」 for 「·」, lower case, a full-width 「－」, spaces (each part then a word that must
 * occur). The page reads each word as `archive unconfirm --code` reads a typed 档号
 * (domain/typed-archival-code.ts), not only character for character.
 */
describe('the search page finds a 件 by a 档号 typed loosely', () => {
  let w: WebWorld;
  let archivist: string;
  let code: string;

  beforeAll(async () => {
    w = await createWebWorld('WS');
    archivist = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    const res = await confirmArchive(
      { db: w.h.db.db, clock: w.clock, rules: TEST_ARCHIVE_CONFIG },
      // seedOrg's campaign year.
      { unitId: w.units.village.id, year: 2026, actor: 'cli', source: 'cli' },
    );
    code = res.status === 'confirmed' ? res.records.find((r) => r.itemId === w.itemId)!.archivalCode : '';
    expect(code).toMatch(/^A182-ZP·2026-/);
  });
  afterAll(() => w?.close());

  const hits = async (q: string) => {
    const res = await w.get(`/search?q=${encodeURIComponent(q)}`, archivist);
    expect(res.status, q).toBe(200);
    return [...new Set([...(await res.text()).matchAll(/href="\/items\/(\d+)"/g)].map((m) => Number(m[1])))];
  };

  it('as written, with 「.」, in lower case, with full-width 「－」 and with spaces', async () => {
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
