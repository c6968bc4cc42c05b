import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { saveSnapshots } from '../../src/db/repos/digest-snapshots.js';
import { qualityProblems } from '../../src/db/repos/page-unit.js';
import { runUnitsCommand } from '../../src/cli/units.js';
import { signValue } from '../../src/http/signed-value.js';
import { waitFor } from '../support/wait-for.js';
import { openIdOf } from '../support/open-ids.js';
import { createWebWorld, csrfOf, type WebWorld } from './web-world.js';

describe('web pages over HTTP: Lark sign-in, who sees what, files, search, 督办 and bad input', () => {
  let w: WebWorld;
  let leader: string;
  let officer: string;
  beforeAll(async () => {
    w = await createWebWorld('WP');
    leader = await w.signIn({ openId: w.org.leader, name: '赵书记' });
    officer = await w.signIn({ openId: w.org.officer, name: '王村官' });
  });
  afterAll(() => w?.close());

  it('signs in through Lark: login → authorize → callback → a signed HttpOnly cookie → back where the person started', async () => {
    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    const start = await w.get(`/units/${w.units.village.id}`);
    expect(start.status).toBe(302);
    const login = start.headers.get('location')!;
    expect(login).toBe(`/auth/login?next=${encodeURIComponent(`/units/${w.units.village.id}`)}`);
    const toLark = await w.get(login);
    expect(toLark.status).toBe(302);
    const authorize = new URL(toLark.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(`${w.h.fake.baseUrl}/open-apis/authen/v1/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(w.h.fake.appId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${w.h.bot.url}/auth/callback`);
    const stateCookie = toLark.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(toLark.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax/);
    const back = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(back.headers.get('location')!);
    const done = await w.get(callback.pathname + callback.search, stateCookie);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`/units/${w.units.village.id}`);
    const session = done.headers.getSetCookie().find((c) => c.startsWith('ab_session='))!;
    expect(session).toMatch(/Max-Age=43200; HttpOnly; SameSite=Lax$/); // http: no Secure
    const page = await w.get(`/units/${w.units.village.id}`, session.split(';')[0]);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('城关村');
    // The person's name from Lark is kept.
    const [p] = await queryRows<any>(w.h.db.db, sql`select name from people where open_id = ${w.org.leader}`);
    expect(p.name).toBe('赵书记');

    // The same callback again (replayed code, even with the state cookie): refused, no session.
    const replay = await w.get(callback.pathname + callback.search, stateCookie);
    expect(replay.status).toBe(400);
    expect(
      replay.headers.getSetCookie().some((c) => c.startsWith('ab_session=') && !c.startsWith('ab_session=;')),
    ).toBe(false);
    expect(await replay.text()).toContain('登录失败');
  });

  it('refuses a callback whose state does not match the browser, or that has no state cookie', async () => {
    w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
    const toLark = await w.get('/auth/login');
    const stateCookie = toLark.headers.getSetCookie()[0]!.split(';')[0]!;
    const back = await fetch(toLark.headers.get('location')!, { redirect: 'manual' });
    const cb = new URL(back.headers.get('location')!);
    const code = cb.searchParams.get('code')!;
    const wrong = await w.get(`/auth/callback?code=${code}&state=forged`, stateCookie);
    expect(wrong.status).toBe(400);
    const none = await w.get(`/auth/callback?code=${code}&state=${cb.searchParams.get('state')}`);
    expect(none.status).toBe(400);
    expect(wrong.headers.getSetCookie().join()).not.toMatch(/ab_session=[^;]/);
  });

  it('sends the person back only to a path on this site (no open redirect)', async () => {
    for (const next of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      w.h.fake.signInAs({ openId: w.org.leader, name: '赵书记' });
      const toLark = await w.get(`/auth/login?next=${encodeURIComponent(next)}`);
      const stateCookie = toLark.headers.getSetCookie()[0]!.split(';')[0]!;
      const back = await fetch(toLark.headers.get('location')!, { redirect: 'manual' });
      const cb = new URL(back.headers.get('location')!);
      const done = await w.get(cb.pathname + cb.search, stateCookie);
      expect(done.headers.get('location'), next).toBe('/');
    }
  });

  it('refuses a forged, altered or expired session cookie (back to sign-in)', async () => {
    const value = leader.split('=')[1]!;
    const [body, mac] = value.split('.');
    const altered = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), o: 'ou_forged_admin' }),
    ).toString('base64url');
    const secret = readFileSync(join(w.h.dataDir, 'session-secret'), 'utf8').trim();
    // Expiry is judged by the bot's clock (the world's test clock).
    const now = w.h.bot.deps.clock.now().getTime();
    const expired = signValue(
      secret,
      'ab_session',
      { o: w.org.leader, n: '赵书记', s: 'x' },
      new Date(now - 1000),
    );
    for (const cookie of [
      'ab_session=not-a-session',
      `ab_session=${altered}.${mac}`,
      `ab_session=${signValue('another-secret-that-is-long-enough-000', 'ab_session', { o: w.org.leader, n: 'x', s: 'x' }, new Date(now + 3600_000))}`,
      `ab_session=${expired}`,
    ]) {
      const res = await w.get(`/units/${w.units.county.id}`, cookie);
      expect(res.status, cookie).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/auth\/login/);
    }
  });

  it('a cookie signed with the session key for a session read from the database (what a backup holds) is refused', async () => {
    // A backup carries the session key (settings/session-secret) and the database's web_sessions rows.
    // Before: the rows held the ids the cookies carry, so a copy of a backup signed in as anyone signed in.
    const secret = readFileSync(join(w.h.dataDir, 'session-secret'), 'utf8').trim();
    const now = w.h.bot.deps.clock.now().getTime();
    const rows = await queryRows<{ id: string; open_id: string }>(
      w.h.db.db,
      sql`select id, open_id from web_sessions where ended_at is null and expires_at > ${new Date(now)}`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const { s: liveId } = JSON.parse(
      Buffer.from(leader.split('=')[1]!.split('.')[0]!, 'base64url').toString(),
    );
    expect(rows.map((r) => r.id)).not.toContain(liveId);
    // Migration 0037's formula for rows from before is the program's: a cookie from before an upgrade still works.
    const [asMigrated] = await queryRows<{ id: string }>(
      w.h.db.db,
      sql`select encode(sha256(convert_to(${liveId}::text, 'UTF8')), 'hex') as id`,
    );
    expect(rows.map((r) => r.id)).toContain(asMigrated!.id);
    for (const row of rows) {
      const forged = signValue(
        secret,
        'ab_session',
        { o: row.open_id, n: '冒名', s: row.id },
        new Date(now + 3600_000),
      );
      const res = await w.get(`/units/${w.units.county.id}`, `ab_session=${forged}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/auth\/login/);
    }
    // The real cookie still works.
    expect((await w.get(`/units/${w.units.county.id}`, leader)).status).toBe(200);
  });

  it('shows a leader the county → township → village → task → item, with the photo and its thumbnail', async () => {
    const county = await (await w.get(`/units/${w.units.county.id}`, leader)).text();
    expect(county).toContain('城关镇');
    expect(county).toMatch(/逾期/);
    const village = await (await w.get(`/units/${w.units.village.id}`, leader)).text();
    expect(village).toContain(`/tasks/${w.taskC05}`);
    expect(village).toContain('C01');
    // Quality problems: the chat-compressed photo (200 px, no EXIF) and the group without 事由.
    for (const id of ['q-compressed', 'q-undescribed']) {
      const card = village.slice(
        village.indexOf(`id="${id}"`),
        village.indexOf('</div>', village.indexOf(`id="${id}"`)),
      );
      expect(card, id).toMatch(/：1<\/b>/);
      expect(card, id).toContain(`href="/items/${w.itemId}"`);
    }
    expect(village.slice(village.indexOf(`id="q-failed"`), village.indexOf(`id="q-failed"`) + 80)).toMatch(
      /：0<\/b>/,
    );
    // A province's page reads them all at once (past 500 chats); the same problems either way.
    for (const unit of [w.units.county, w.units.village]) {
      const now = new Date();
      expect(await qualityProblems(w.h.db.db, unit, now, { wide: true })).toEqual(
        await qualityProblems(w.h.db.db, unit, now, { wide: false }),
      );
    }
    const task = await (await w.get(`/tasks/${w.taskC05}`, leader)).text();
    expect(task).toContain(`/items/${w.itemId}`);
    const item = await (await w.get(`/items/${w.itemId}`, leader)).text();
    expect(item).toContain(`/thumbs/${w.materialId}`);
    expect(item).toContain('<td>提交</td>'); // the audit trail's filing row
    const thumb = await w.get(`/thumbs/${w.materialId}`, leader);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const original = await w.get(`/files/${w.materialId}`, leader);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
    const bytes = Buffer.from(await original.arrayBuffer());
    const [m] = await queryRows<any>(
      w.h.db.db,
      sql`select size_bytes from materials where id = ${w.materialId}`,
    );
    expect(bytes.length).toBe(Number(m.size_bytes));
    expect(bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    const inline = await w.get(`/files/${w.materialId}?inline=1`, leader);
    expect(inline.headers.get('content-type')).toBe('image/jpeg');
    expect(inline.headers.get('content-disposition')).toMatch(/^inline/);
  });

  it("gives an officer their own village only: another village's unit, task, item or file is 404", async () => {
    expect((await w.get(`/units/${w.units.village.id}`, officer)).status).toBe(200);
    expect((await w.get(`/items/${w.itemId}`, officer)).status).toBe(200);
    for (const path of [
      `/units/${w.units.village2.id}`,
      `/units/${w.units.township.id}`,
      `/units/${w.units.county.id}`,
    ]) {
      expect((await w.get(path, officer)).status, path).toBe(404);
    }
    const [t2] = await queryRows<any>(
      w.h.db.db,
      sql`select id::int as id from tasks where unit_id = ${w.units.village2.id} limit 1`,
    );
    const other = await w.get(`/tasks/${t2.id}`, officer);
    expect(other.status).toBe(404);
    // Not found and not allowed look the same.
    const missing = await w.get('/tasks/999999999', officer);
    expect(missing.status).toBe(404);
    expect(await other.text()).toBe(await missing.text());
    // A person with no role sees nothing.
    const stranger = await w.signIn({ openId: 'ou_stranger_web', name: '路人' });
    expect((await w.get(`/items/${w.itemId}`, stranger)).status).toBe(403);
    expect((await w.get(`/files/${w.materialId}`, stranger)).status).toBe(403);
  });

  it('refuses path tricks in the file routes and never lists a folder', async () => {
    for (const path of [
      '/files/..%2F..%2Fetc%2Fpasswd',
      '/files/../../etc/passwd',
      `/files/${w.materialId}/../../session-secret`,
      '/files/',
      '/thumbs/',
      '/files/0',
      '/files/-1',
      '/files/1e3',
    ]) {
      const res = await w.get(path, leader);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('ffd8');
    }
  });

  it('searches captions, titles, tasks, units, senders and dates; long or odd input is refused or harmless', async () => {
    const q = async (query: string, who = leader) => w.get(`/search?${query}`, who);
    for (const term of ['村两委', 'C05', '城关村', '王村官']) {
      const text = await (await q(`q=${encodeURIComponent(term)}`)).text();
      expect(text, term).toContain(`/items/${w.itemId}`);
    }
    const today = beijingDay(w.h.bot.deps.clock.now());
    expect(await (await q(`q=&from=2000-01-01&to=2000-01-02`)).text()).not.toContain(`/items/${w.itemId}`);
    expect(await (await q(`kind=photo_group&from=${today.slice(0, 4)}-01-01`)).text()).toContain(
      `/items/${w.itemId}`,
    );
    const long = await q(`q=${'a'.repeat(10_000)}`);
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('搜索词太长');
    // 10,000 Chinese characters are 90 KB of URL: Node refuses the request line before the bot sees it.
    const longer = await q(`q=${encodeURIComponent('档'.repeat(10_000))}`);
    expect(longer.status).toBe(431);
    // A NUL (PostgreSQL refuses U+0000 in a parameter) is a character like another: no 500.
    for (const odd of [
      "' or 1=1 --",
      '%',
      '_',
      '\\',
      "'; drop table materials; --",
      '村两委%',
      '村\u0000两委',
    ]) {
      const res = await q(`q=${encodeURIComponent(odd)}`);
      expect(res.status, odd).toBe(200);
      expect(await res.text(), odd).not.toContain(`/items/${w.itemId}`);
    }
    const [n] = await queryRows<any>(w.h.db.db, sql`select count(*)::int as n from materials`);
    expect(Number(n.n)).toBeGreaterThan(0);
    // The officer's search stays in their village; a unit filter outside it is 404.
    expect((await q(`unit=${w.units.county.id}&q=C05`, officer)).status).toBe(404);
  });

  it('督办 needs the CSRF token: without it nothing is sent', async () => {
    const before = w.h.fake.sentMessages().length;
    const res = await w.postUrge(leader, { unit: w.units.village.id });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('校验码');
    const forged = await w.postUrge(officer, {
      unit: w.units.village.id,
      _csrf: csrfOf(await (await w.get(`/units/${w.units.village.id}`, leader)).text())!,
    });
    expect(forged.status).toBe(403);
    // A form from a page left open across a new sign-in (an old token): back to that page, opened afresh,
    // not only 「返回首页」 (the leader lost the unit they meant to urge); a referrer off the site is not followed.
    const stale = (referer: string) =>
      fetch(`${w.h.bot.url}/urge`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: leader, 'content-type': 'application/x-www-form-urlencoded', referer },
        body: new URLSearchParams({ unit: String(w.units.village.id), _csrf: 'an-old-token' }).toString(),
      });
    const back = await stale(`${w.h.bot.url}/units/${w.units.village.id}?from=2026-11-30&to=2026-12-06`);
    expect(back.status).toBe(403);
    expect(await back.text()).toContain(
      `<a id="back" href="/units/${w.units.village.id}?from=2026-11-30&amp;to=2026-12-06">回到原来的页面</a>`,
    );
    expect(await (await stale('https://elsewhere.example/units/1')).text()).toContain(
      '<a id="back" href="/">返回首页</a>',
    );
    await w.h.settle();
    expect(w.h.fake.sentMessages().length).toBe(before);
  });

  it('督办 sends the village chat the reminder once a day; an officer cannot press it', async () => {
    const page = await (await w.get(`/units/${w.units.village2.id}`, leader)).text();
    const csrf = csrfOf(page)!;
    const press = () =>
      w.postUrge(leader, { unit: w.units.village2.id, _csrf: csrf, back: `/units/${w.units.village2.id}` });
    const first = await press();
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('督办已安排发送到河口村的群里');
    const sent = await waitFor('the 督办 in 河口村工作群', () => {
      const list = w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2);
      return list.length > 0 && list;
    });
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.content)).toContain('C01');
    const second = await press();
    expect(await second.text()).toContain('今天已经督办过');
    await w.h.settle();
    expect(w.h.fake.sentMessages().filter((m) => m.receiveId === w.chats.village2)).toHaveLength(1);
    expect(await (await w.get(`/units/${w.units.village2.id}`, leader)).text()).toContain('今天已督办');
    const [audit] = await queryRows<any>(
      w.h.db.db,
      sql`select actor, source from audit_log where action = 'urge' and unit_id = ${w.units.village2.id}`,
    );
    expect(audit).toEqual({ actor: w.org.leader, source: 'page' });

    const officerPage = await (await w.get(`/units/${w.units.village.id}`, officer)).text();
    expect(officerPage).not.toContain('action="/urge"');
    const refused = await w.postUrge(officer, { unit: w.units.village.id, _csrf: csrfOf(officerPage)! });
    expect(refused.status).toBe(403);
  });

  it('大事记: built from filed items; an archivist edits, hides and adds entries; others only read', async () => {
    const year = beijingDay(w.h.bot.deps.clock.now()).slice(0, 4);
    const base = `/units/${w.units.village.id}/chronicle`;
    const read = await (await w.get(`${base}?year=${year}`, leader)).text();
    expect(read).toContain(`data-item="${w.itemId}"`);
    expect(read).not.toContain('<details');
    const archivist = await w.signIn({ openId: w.org.archivist, name: '李档案' });
    const page = await (await w.get(`${base}?year=${year}`, archivist)).text();
    expect(page).toContain('<details');
    const csrf = csrfOf(page)!;
    const post = (body: string, cookie = archivist) =>
      fetch(`${w.h.bot.url}${base}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const saved = await post(
      `_csrf=${encodeURIComponent(csrf)}&year=${year}&item=${w.itemId}&day=${year}-03-05&event=${encodeURIComponent('召开村两委会议，部署档案整理')}`,
    );
    expect(saved.status).toBe(302);
    const added = await post(
      `_csrf=${encodeURIComponent(csrf)}&year=${year}&item=&day=${year}-01-02&event=${encodeURIComponent('<b>新年走访</b>')}`,
    );
    expect(added.status).toBe(302);
    // A NUL pasted into the form (PostgreSQL refuses U+0000 in text) is saved as U+FFFD, not a 500.
    const pasted = await post(
      `_csrf=${encodeURIComponent(csrf)}&year=${year}&item=&day=${year}-01-03&event=${encodeURIComponent('入户\u0000走访')}`,
    );
    expect(pasted.status).toBe(302);
    const after = await (await w.get(`${base}?year=${year}`, leader)).text();
    expect(after).toContain('入户\ufffd走访');
    expect(after).toContain(`<td>3月5日</td>`); // as the cards write a day, the year in the heading
    expect(after).toContain('召开村两委会议，部署档案整理');
    expect(after).toContain('&lt;b&gt;新年走访&lt;/b&gt;');
    expect(after.indexOf('新年走访')).toBeLessThan(after.indexOf('召开村两委会议'));
    // Hidden: gone for readers, marked for the archivist.
    await post(
      `_csrf=${encodeURIComponent(csrf)}&year=${year}&item=${w.itemId}&day=${year}-03-05&event=x&hidden=1`,
    );
    expect(await (await w.get(`${base}?year=${year}`, leader)).text()).not.toContain(
      `data-item="${w.itemId}"`,
    );
    expect(await (await w.get(`${base}?year=${year}`, archivist)).text()).toContain('已隐藏');
    // Refused: no token, a day outside the year, another village's item, a leader (not an archivist).
    expect((await post(`year=${year}&item=&day=${year}-01-02&event=x`)).status).toBe(403);
    expect(
      (await post(`_csrf=${encodeURIComponent(csrf)}&year=${year}&item=&day=2001-01-02&event=x`)).status,
    ).toBe(400);
    expect(
      (
        await post(
          `_csrf=${encodeURIComponent(csrf)}&year=${year}&item=${w.item2Id}&day=${year}-01-02&event=x`,
        )
      ).status,
    ).toBe(404);
    const leaderCsrf = csrfOf(read)!;
    expect(
      (
        await post(
          `_csrf=${encodeURIComponent(leaderCsrf)}&year=${year}&item=&day=${year}-01-02&event=x`,
          leader,
        )
      ).status,
    ).toBe(403);
    expect((await w.get(`/units/${w.units.village2.id}/chronicle`, archivist)).status).toBe(404);
  });

  it('图册: photo groups with their descriptions and the original photos, for A4 printing', async () => {
    const year = beijingDay(w.h.bot.deps.clock.now()).slice(0, 4);
    const album = await (await w.get(`/units/${w.units.township.id}/album?year=${year}`, leader)).text();
    expect(album).toContain(`src="/files/${w.materialId}?inline=1"`);
    expect(album).toContain(`src="/files/${w.material2Id}?inline=1"`);
    expect(album).toContain('事由');
    expect(album).toContain('@page{size:A4');
    expect((await w.get(`/units/${w.units.village2.id}/album`, officer)).status).toBe(404);
  });

  it('signs out with the CSRF token: the session ends on the server, so a copy of the cookie no longer works', async () => {
    // A second sign-in of the officer (another browser); the first stays signed in for the tests below.
    const session = await w.signIn({ openId: w.org.officer, name: '王村官' });
    const page = await (await w.get(`/units/${w.units.village.id}`, session)).text();
    const logout = (cookie: string, body?: string) =>
      fetch(`${w.h.bot.url}/auth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: body ? { cookie, 'content-type': 'application/x-www-form-urlencoded' } : { cookie },
        body,
      });
    expect((await logout(session)).status).toBe(403);
    const csrf = `_csrf=${encodeURIComponent(csrfOf(page)!)}`;
    const out = await logout(session, csrf);
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/^ab_session=; Path=\/; Max-Age=0/);
    // The same cookie sent again (copied before 退出, still signed and unexpired): signed out.
    const again = await w.get(`/units/${w.units.village.id}`, session);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toMatch(/^\/auth\/login/);
    expect((await logout(session, csrf)).status).toBe(401);
    // Only that session ended: the officer's other browser is still signed in.
    expect((await w.get(`/units/${w.units.village.id}`, officer)).status).toBe(200);
  });

  it('`units people remove` takes the person’s roles and ends all their web sessions at once', async () => {
    const openId = openIdOf('WP_removed');
    const db = w.h.db.db;
    const cli = { db, out: () => {}, clock: w.h.bot.deps.clock };
    const dir = mkdtempSync(join(tmpdir(), 'web-people-'));
    const file = join(dir, 'people.csv');
    writeFileSync(file, `open_id,姓名,单位编码,角色\n${openId},李档案,${w.org.village},archivist\n`);
    await runUnitsCommand(['people', 'import', file], cli);
    rmSync(dir, { recursive: true, force: true });
    const phone = await w.signIn({ openId, name: '李档案' });
    const desk = await w.signIn({ openId, name: '李档案' });
    for (const c of [phone, desk]) expect((await w.get(`/units/${w.units.village.id}`, c)).status).toBe(200);

    // The village's archivist has the same name: a name two people share is refused, naming both.
    await expect(runUnitsCommand(['people', 'remove', '李档案'], cli)).rejects.toThrow(
      `有 2 人叫「李档案」，请用 open_id：${[w.org.archivist, openId].sort().join('，')}`,
    );
    for (const c of [phone, desk]) expect((await w.get(`/units/${w.units.village.id}`, c)).status).toBe(200);
    // A mistyped open_id is refused, not reported as removed.
    await expect(runUnitsCommand(['people', 'remove', `${openId}x`], cli)).rejects.toThrow(
      `找不到 open_id 为「${openId}x」的人，没有做任何改动`,
    );
    const lines: string[] = [];
    await runUnitsCommand(['people', 'remove', openId], { ...cli, out: (l) => lines.push(l) });
    expect(lines).toEqual([`已移除 李档案（${openId}）：收回角色 1 个，结束网页登录 2 个`]);
    for (const c of [phone, desk]) {
      const res = await w.get(`/units/${w.units.village.id}`, c);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/auth\/login/);
    }
    const roles = await queryRows<any>(db, sql`select 1 from unit_roles where open_id = ${openId}`);
    expect(roles).toEqual([]);
    const [audit] = await queryRows<any>(
      db,
      sql`select actor, source, details from audit_log where action = 'revoke_role' and details->>'openId' = ${openId}`,
    );
    expect(audit).toMatchObject({ actor: 'cli', source: 'cli', details: { role: 'archivist' } });
    // Signing in again gets a session, but no roles: nothing to see.
    const back = await w.signIn({ openId, name: '李档案' });
    expect((await w.get(`/units/${w.units.village.id}`, back)).status).toBe(403);
  });

  it('the weekly trend names each point by the day its digest went out, never an ISO week code', async () => {
    await saveSnapshots(
      w.h.db.db,
      '2026-W48',
      [{ unitId: w.units.village.id, total: 20, done: 5, overdue: 2 }],
      new Date('2026-11-23T08:30:00+08:00'),
    );
    await saveSnapshots(
      w.h.db.db,
      '2026-W49',
      [{ unitId: w.units.village.id, total: 20, done: 9, overdue: 1 }],
      new Date('2026-11-30T08:30:00+08:00'),
    );
    const page = await (await w.get(`/units/${w.units.village.id}`, leader)).text();
    const svg = /<svg class="trend"[\s\S]*?<\/svg>/.exec(page)![0];
    expect(svg).not.toMatch(/W\d\d/);
    expect(svg).toContain('11月23日');
    expect(svg).toContain('11月30日：45.0%（9/20），逾期 1');
  });

  it('督办 on a unit whose reminders are turned off says so (not 「没有逾期」) and sends nothing', async () => {
    // The township switches reminders (and so 督办) off for itself and everything below.
    await runUnitsCommand(['set', w.org.township, 'reminders=off'], {
      db: w.h.db.db,
      out: () => {},
      clock: w.h.bot.deps.clock,
    });
    const before = w.h.fake.sentMessages().length;
    const page = await (await w.get(`/units/${w.units.village.id}`, leader)).text();
    expect(page).toContain('C01'); // still overdue
    const res = await w.postUrge(leader, { unit: w.units.village.id, _csrf: csrfOf(page)! });
    const text = await res.text();
    expect(text).toContain('已关闭提醒');
    expect(text).not.toContain('没有逾期');
    await w.h.settle();
    expect(w.h.fake.sentMessages().length).toBe(before);
    await runUnitsCommand(['set', w.org.township, 'reminders=on'], {
      db: w.h.db.db,
      out: () => {},
      clock: w.h.bot.deps.clock,
    });
  });
});

/** The filing's year is the bot's local (Beijing) year, not the machine's. */
function beijingDay(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(at);
}
