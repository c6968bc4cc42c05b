import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { createWebWorld, type WebWorld } from './web-world.js';

/** The heading and the unit column of a page's 下级 table (#children). */
const childrenWords = (page: string) => {
  const m =
    /<h2>([^<]*)<\/h2>\s*<div class="scroll">\s*<table id="children">\s*<tr>\s*<th class="n">排名<\/th>\s*<th>([^<]*)<\/th>/.exec(
      page,
    );
  return m ? [m[1]!.trim(), m[2]!.trim()] : undefined;
};
/** The word beside a unit's name in the page's heading. */
const kindWord = (page: string) =>
  /<h1>[^<]*<span class="muted">([^<]*)<\/span><\/h1>/.exec(page)?.[1]?.trim();

/**
 * The chat cards call a township's village-level units by their names: 村, 社区, or 村（社区） for a mix
 * (domain/village-word.ts). The pages called every one of them 村 (a 社区's own page: 「河口社区 村」)
 * and a township's list 下级单位. The unit page and the list of one's units now use the cards' words.
 */
describe('the pages call a 社区 社区, as the chat cards do', () => {
  let w: WebWorld;
  let leader: string;
  const page = async (path: string, cookie = leader) => (await w.get(path, cookie)).text();
  const rename = (unit: { id: number }, name: string) =>
    w.h.db.db.execute(sql`update units set name = ${name} where id = ${unit.id}`);

  beforeAll(async () => {
    w = await createWebWorld('VW');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
  });
  afterAll(() => w?.close());

  it('a township of 村: 各村, and each village is a 村', async () => {
    expect(childrenWords(await page(`/units/${w.units.township.id}`))).toEqual(['各村', '村']);
    expect(kindWord(await page(`/units/${w.units.village.id}`))).toBe('村');
    expect(childrenWords(await page(`/units/${w.units.county.id}`))).toEqual(['各乡镇', '乡镇']);
    expect(kindWord(await page(`/units/${w.units.township.id}`))).toBe('乡镇');
  });

  it('a 社区 among them: it is a 社区, and its township’s list is 各村（社区）', async () => {
    await rename(w.units.village2, '河口社区');
    expect(kindWord(await page(`/units/${w.units.village2.id}`))).toBe('社区');
    expect(kindWord(await page(`/units/${w.units.village.id}`))).toBe('村');
    expect(childrenWords(await page(`/units/${w.units.township.id}`))).toEqual([
      '各村（社区）',
      '村（社区）',
    ]);
  });

  it('a 街道 of 社区 only: 各社区, and no 村 in its list’s words', async () => {
    await rename(w.units.village, '城关社区');
    const township = await page(`/units/${w.units.township.id}`);
    expect(childrenWords(township)).toEqual(['各社区', '社区']);
  });

  it('the list of one’s units names each by its own word: 村 and 社区', async () => {
    const officer = { openId: 'ou_VW_two_units', name: '孙干部' };
    const now = w.clock.now();
    await upsertPerson(w.h.db.db, officer, now);
    await rename(w.units.village, '城关村');
    for (const unit of [w.units.village, w.units.village2])
      await addUnitRole(w.h.db.db, { unitId: unit.id, openId: officer.openId, role: 'leader' }, now);
    const home = await page('/', await w.signIn(officer));
    const labels = [
      ...home.matchAll(/<a href="\/units\/(\d+)">[^<]*<\/a>\s*<span class="muted">([^<]*)<\/span>/g),
    ].map((m) => [Number(m[1]), m[2]!.trim()]);
    expect(labels).toEqual(
      expect.arrayContaining([
        [w.units.village.id, '村'],
        [w.units.village2.id, '社区'],
      ]),
    );
    expect(labels).toHaveLength(2);
  });
});
