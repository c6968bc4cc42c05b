import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { schedulerFor } from '../../src/wiring/schedules.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';
import { signedInContext, signInCookie } from '../support/web-sign-in.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const PUBLIC_URL = 'https://archive.example.test';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Every cell's text of the workbook's sheet `name`. */
async function sheetTexts(bytes: Buffer, name: string): Promise<string[]> {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = wb.getWorksheet(name);
  if (!sheet) throw new Error(`no sheet ${name}`);
  const out: string[] = [];
  sheet.eachRow((row) => row.eachCell((cell) => out.push(String(cell.value ?? ''))));
  return out;
}

/**
 * Two photos filed and confirmed in the village chat, then one stored file damaged (a bit flipped), so
 * that any 四性检测 of them fails: the damaged photo's 档号.
 */
async function confirmedWithOneDamaged(
  h: Harness,
  clock: ManualClock,
  org: SeededOrg,
  chatId: string,
): Promise<string> {
  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  for (const seed of [41, 42]) {
    const messageId = await postPhoto(h, { chatId, sender: org.officer, seed });
    const ack = await replyAfterQuiet(h, clock, messageId);
    await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
  }
  const preview = await sayToBot(h, { chatId, sender: org.archivist, text: '确认归档' });
  await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
    messageId: preview.messageId,
  });
  await h.settle();
  const [blob] = await queryRows<{ key: string; code: string }>(
    h.db.db,
    sql`select m.storage_key as key, ar.archival_code as code
        from materials m join filing_item_materials fim on fim.material_id = m.id
          join archive_records ar on ar.item_id = fim.item_id and ar.status = 'confirmed'
        where m.storage_key is not null order by m.id limit 1`,
  );
  const path = join(h.dataDir, 'files', blob!.key);
  const bad = readFileSync(path);
  bad[bad.length - 40]! ^= 0x01;
  writeFileSync(path, bad);
  return blob!.code;
}

/** archive.yaml with a chat upload limit of 0.001 MB (1 KB: every report is too big) and reportChat. */
function tinyLimitYaml(dir: string, reportChat: string): string {
  const yaml = readFileSync(TEST_ARCHIVE_YAML, 'utf8')
    .replace(/^chatUploadLimitMb: .*$/m, 'chatUploadLimitMb: 0.001')
    .replace(/^# reportChat: .*$/m, `reportChat: ${reportChat}`);
  expect(yaml).toContain('chatUploadLimitMb: 0.001');
  expect(yaml).toContain(`reportChat: ${reportChat}`);
  const file = join(dir, 'archive.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** The 四性检测 result sent to `to` (a chat, or a person directly) after `before` messages (its text). */
const resultIn = (h: Harness, to: string, before: number) =>
  waitFor('the 四性检测 result', () =>
    h.fake
      .sentMessages()
      .slice(before)
      .filter((m) => m.receiveId === to && m.msgType === 'text')
      .map((m) => (m.content as { text: string }).text)
      .find((t) => t.startsWith('四性检测')),
  );

/** The weekly 四性检测 (Saturday 02:00): what the node-cron callback runs, and its job done. */
async function runWeeklyCheck(h: Harness, clock: ManualClock, at: string): Promise<void> {
  await clock.set(at);
  const scheduler = schedulerFor(h.bot.deps, h.bot.settings.schedules, {
    wakeJobs: () => h.bot.jobWorker.wake(),
    hasJobHandler: () => true,
  });
  await scheduler.runDue(clock.now(), 'tick');
  await h.settle();
}

/**
 * A failing 四性检测 whose Excel report is over the chat's upload limit (archive.yaml's chatUploadLimitMb
 * set tiny): the chat is given a link to the report (PUBLIC_URL set), which downloads the run's Excel
 * for a signed-in archivist of the unit or above (in Chromium and over HTTP with the page's cookie) and
 * is refused to an officer, to another village's archivist, for an unknown, malformed or removed run and
 * for a report swapped for a link out of its folder. The weekly whole-archive run posts the same link to
 * reportChat, downloadable by the county's archivist only. Without PUBLIC_URL the chat names the folder.
 */
describe.skipIf(!hasChromium)('the 四性检测 report too big for the chat, downloaded from its link', () => {
  // A Thursday morning; the weekly check runs on Saturday at 02:00.
  const clock = new ManualClock('2026-12-10T10:00:00+08:00');
  let h: Harness;
  let org: SeededOrg;
  let browser: Browser;
  let yamlDir: string;
  const chatId = id('oc_');
  const reportChat = id('oc_');
  const archivist = { openId: '', name: '李档案' };
  const officer = { openId: '', name: '王村官' };
  let damagedCode = '';
  let link = '';
  let runId = '';
  /** The weekly whole-archive run's link. */
  let weekly = '';
  beforeAll(async () => {
    yamlDir = mkdtempSync(join(tmpdir(), 'archive-yaml-'));
    const archiveConfig = tinyLimitYaml(yamlDir, reportChat);
    [h, browser] = await Promise.all([
      startHarness({
        mode: 'webhook',
        clock,
        env: { STORED_REACTION: 'off', PUBLIC_URL, ARCHIVE_CONFIG: archiveConfig },
      }),
      launchChromium(),
    ]);
    org = await seedOrg(h.db.db, { prefix: 'FR', clock });
    archivist.openId = org.archivist;
    officer.openId = org.officer;
    const villageId = (await getUnitByCode(h.db.db, org.village))!.id;
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    h.fake.addChat({ chatId: reportChat, name: '档案员群', members: [] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          values (${chatId}, ${villageId}, 'active', 'cli', ${clock.now()})`,
    );
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), h?.close()]);
    rmSync(yamlDir, { recursive: true, force: true });
  });
  afterEach(() => h.fake.assertNoUnknownRoutes());

  const get = async (user: { openId: string; name: string } | undefined, path: string) => {
    const headers: Record<string, string> = user ? { cookie: await signInCookie(h, user, PUBLIC_URL) } : {};
    return fetch(`${h.bot.url}${path}`, { headers, redirect: 'manual' });
  };
  const onBot = (url: string) => url.replace(PUBLIC_URL, h.bot.url);
  const pathOf = (url: string) => url.slice(PUBLIC_URL.length);
  const reportsDir = () => join(h.dataDir, 'reports');
  /** A new person holding `role` on the unit `unitCode`, and `also` roles on others. */
  const newPerson = async (
    unitCode: string,
    role: 'archivist' | 'officer' | 'admin',
    name: string,
    also: [string, 'archivist' | 'admin'][] = [],
  ) => {
    const person = { openId: id('ou_'), name };
    await upsertPerson(h.db.db, person, clock.now());
    for (const [code, r] of [[unitCode, role] as const, ...also]) {
      const unit = (await getUnitByCode(h.db.db, code))!;
      await addUnitRole(h.db.db, { unitId: unit.id, openId: person.openId, role: r }, clock.now());
    }
    return person;
  };

  it('四性检测 in the chat links the report, and the archivist downloads the Excel it wrote', async () => {
    // A stored photo damaged: the check fails, and its report is to be read.
    damagedCode = await confirmedWithOneDamaged(h, clock, org, chatId);

    const before = h.fake.sentMessages().length;
    const asked = await sayToBot(h, { chatId, sender: org.archivist, text: '四性检测' });
    expect((asked.content as { text: string }).text).toContain(
      '正在对城关村2026年度已确认归档的材料做四性检测',
    );
    await h.settle();
    // Asked in the group: the result comes to the archivist by direct message.
    const text = await resultIn(h, org.archivist, before);
    expect(text).toContain('四性检测未通过');
    expect(text).toContain(`${damagedCode}：哈希值不符`);
    // Not sent (over the limit), not left to the administrator: a link to it, and no server path.
    expect(h.fake.uploads()).toHaveLength(0);
    expect(text).toContain(
      '检测报告较大，未通过聊天发送（上限 1.0 KB），已保存在服务器上；请打开下面的链接下载',
    );
    expect(text).not.toContain('请联系系统管理员');
    expect(text).not.toContain(h.dataDir);
    const found = /检测报告：(\S+)/.exec(text);
    expect(found).not.toBeNull();
    link = found![1]!;
    expect(link.startsWith(`${PUBLIC_URL}/four-properties/report?run=`)).toBe(true);
    runId = new URL(link).searchParams.get('run')!;
    // The run is its folder under the reports folder: the id is its name, no path.
    expect(readdirSync(reportsDir())).toEqual([`四性检测-${runId}`]);
    const onDisk = readFileSync(join(reportsDir(), `四性检测-${runId}`, '四性检测报告.xlsx'));

    // In a browser signed in as the village's archivist: the link downloads the Excel report.
    const context = await signedInContext(h, browser, archivist, PUBLIC_URL, {
      locale: 'zh-CN',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.goto(onBot(link)).catch(() => undefined),
    ]);
    expect(download.suggestedFilename()).toBe(`四性检测报告-${runId}.xlsx`);
    const saved = readFileSync((await download.path())!);
    expect(saved.equals(onDisk)).toBe(true);
    // It is the report of this run: the damaged photo's 档号 and what is wrong with it.
    const problems = await sheetTexts(saved, '问题清单');
    expect(problems).toContain(damagedCode);
    expect(problems.some((t) => t.includes('哈希'))).toBe(true);
    expect(await sheetTexts(saved, '汇总')).toContain('FR县/城关镇/城关村 2026年度');

    // Over HTTP with the page's cookie: its type, exact length and the Chinese name per RFC 5987.
    const res = await get(archivist, pathOf(link));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(XLSX);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(onDisk.length);
    expect(body.equals(onDisk)).toBe(true);
    expect(res.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent(`四性检测报告-${runId}.xlsx`)}`,
    );
    // Signed out, the link signs in first and comes back to the same report.
    const out = await get(undefined, pathOf(link));
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe(`/auth/login?next=${encodeURIComponent(pathOf(link))}`);
    // An archivist of the township above may have it too.
    const township = await newPerson(org.township, 'archivist', '周档案');
    expect((await get(township, pathOf(link))).status).toBe(200);
  }, 120_000);

  it('refused to an officer, to another village, and for a run unknown, malformed, removed or not a file', async () => {
    const refused = await get(officer, pathOf(link));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toContain('只有城关村或上级单位的档案员、管理员可以下载它的四性检测报告');
    // Another village's archivist: the same page as for anything outside their units.
    const other = await newPerson('FR12', 'archivist', '河口档案');
    const notTheirs = await get(other, pathOf(link));
    expect(notTheirs.status).toBe(404);
    expect(await notTheirs.text()).not.toContain('四性检测');

    const gone = '找不到这份四性检测报告：链接不完整，或报告已从服务器上移走或删除';
    for (const run of [
      '20991231T000000Z', // well formed, no such run
      `${runId}-2`,
      '..%2F..%2Ffiles',
      `..%2F%E5%9B%9B%E6%80%A7%E6%A3%80%E6%B5%8B-${runId}`,
      `${runId}%2F..%2F..`,
      '',
    ]) {
      const res = await get(archivist, `/four-properties/report?run=${run}`);
      expect(res.status, run).toBe(404);
      expect(await res.text(), run).toContain(gone);
    }
    expect((await get(archivist, '/four-properties/report')).status).toBe(404);

    // The run's folder moved away: said, never a 500.
    const dir = join(reportsDir(), `四性检测-${runId}`);
    renameSync(dir, `${dir}.moved`);
    try {
      const res = await get(archivist, pathOf(link));
      expect(res.status).toBe(404);
      expect(await res.text()).toContain(gone);
    } finally {
      renameSync(`${dir}.moved`, dir);
    }
    // The report swapped for a link to a file outside the folder: not followed.
    const xlsx = join(dir, '四性检测报告.xlsx');
    const outside = join(yamlDir, 'archive.yaml');
    renameSync(xlsx, `${xlsx}.kept`);
    symlinkSync(outside, xlsx);
    try {
      const res = await get(archivist, pathOf(link));
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('chatUploadLimitMb');
    } finally {
      rmSync(xlsx);
      renameSync(`${xlsx}.kept`, xlsx);
    }
    expect((await get(archivist, pathOf(link))).status).toBe(200);
  }, 60_000);

  it('the weekly check of the whole archive posts the same link to reportChat; only the county’s archivist downloads it', async () => {
    const before = h.fake.sentMessages().length;
    await runWeeklyCheck(h, clock, '2026-12-12T02:00:30+08:00');
    const text = await resultIn(h, reportChat, before);
    expect(text).toContain('四性检测未通过');
    expect(text).toContain(`${damagedCode}：哈希值不符`);
    weekly = /检测报告：(\S+)/.exec(text)![1]!;
    expect(weekly).not.toBe(link);
    expect(h.fake.uploads()).toHaveLength(0);

    // The village's archivist checked their village, not every unit.
    const refused = await get(archivist, pathOf(weekly));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain(
      '这份四性检测报告查的是全部单位，只有FR县的档案员、管理员可以下载',
    );
    const county = await newPerson(org.county, 'archivist', '县档案');
    const res = await get(county, pathOf(weekly));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(XLSX);
    expect(await sheetTexts(Buffer.from(await res.arrayBuffer()), '汇总')).toContain('全部');

    // Its folder gone: the page names the way to a new report of the whole archive too, which no
    // chat command gives.
    const dir = join(reportsDir(), `四性检测-${new URL(weekly).searchParams.get('run')}`);
    renameSync(dir, `${dir}.moved`);
    try {
      const gone = await get(county, pathOf(weekly));
      expect(gone.status).toBe(404);
      expect(await gone.text()).toContain(
        '找不到这份四性检测报告：链接不完整，或报告已从服务器上移走或删除。单位的检测可在工作群里重新发送「四性检测」；全部单位的检测每周自动做一次，请等下一次的结果。',
      );
    } finally {
      renameSync(`${dir}.moved`, dir);
    }
  }, 60_000);

  it('with two counties, the whole archive’s report is only for who is archivist or admin of both', async () => {
    await importUnits(
      { db: h.db.db, clock },
      { text: 'code,name,kind,parent_code\nFS00,FS县,county,', fileName: 'units.csv' },
    );
    const refusedText = '这份四性检测报告查的是全部单位，只有在FR县、FS县都是档案员或管理员的人可以下载。';
    // The archivist of one county only: told who may, never the file.
    for (const one of [
      await newPerson(org.county, 'archivist', '一县档案'),
      await newPerson('FS00', 'admin', '二县管理员'),
    ]) {
      const res = await get(one, pathOf(weekly));
      expect(res.status, one.name).toBe(403);
      expect(await res.text(), one.name).toContain(refusedText);
    }
    // Archivist of one, admin of the other: the report.
    const both = await newPerson(org.county, 'archivist', '两县档案', [['FS00', 'admin']]);
    const res = await get(both, pathOf(weekly));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(XLSX);
    const run = new URL(weekly).searchParams.get('run')!;
    const onDisk = readFileSync(join(reportsDir(), `四性检测-${run}`, '四性检测报告.xlsx'));
    expect(Buffer.from(await res.arrayBuffer()).equals(onDisk)).toBe(true);
    // A unit's own run is unchanged by the second county: its archivist still has it.
    expect((await get(archivist, pathOf(link))).status).toBe(200);
  }, 60_000);

  it('without PUBLIC_URL the chat says where on the server the report is, for the administrator', async () => {
    await h.restart({ PUBLIC_URL: undefined });
    const before = h.fake.sentMessages().length;
    await clock.advance(60_000);
    await sayToBot(h, { chatId, sender: org.archivist, text: '四性检测' });
    await h.settle();
    // Asked in the group: the result comes to the archivist by direct message.
    const text = await resultIn(h, org.archivist, before);
    expect(text).toContain('四性检测未通过');
    expect(text).not.toContain('http');
    const folder = readdirSync(reportsDir())
      .filter((n) => n.startsWith('四性检测-'))
      .sort()
      .at(-1)!;
    expect(text).toContain(
      `检测报告较大，未通过聊天发送（上限 1.0 KB），已保存在服务器上（数据目录 reports 下的「${folder}」文件夹里的 四性检测报告.xlsx），请联系系统管理员取用。`,
    );
    expect(text).not.toContain(h.dataDir);
  }, 60_000);
});

/**
 * The weekly check of the whole archive, failing, with a report over the chat's limit and no PUBLIC_URL
 * (no pages, so no link): reportChat still hears what failed and where the report is kept for the
 * administrator (its folder under the data folder, no server path), and the operations chat gets the
 * 四性 alert naming the report's folder on the server.
 */
describe('the weekly 四性检测 too big for the chat without PUBLIC_URL', () => {
  const clock = new ManualClock('2026-12-10T10:00:00+08:00');
  const OPS = id('oc_');
  const chatId = id('oc_');
  const reportChat = id('oc_');
  let h: Harness;
  let org: SeededOrg;
  let yamlDir: string;
  beforeAll(async () => {
    yamlDir = mkdtempSync(join(tmpdir(), 'archive-yaml-'));
    h = await startHarness({
      mode: 'webhook',
      clock,
      env: {
        STORED_REACTION: 'off',
        OPS_CHAT_ID: OPS,
        ARCHIVE_CONFIG: tinyLimitYaml(yamlDir, reportChat),
      },
    });
    expect(h.config.web.publicUrl).toBeUndefined();
    org = await seedOrg(h.db.db, { prefix: 'FW', clock });
    const villageId = (await getUnitByCode(h.db.db, org.village))!.id;
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
    h.fake.addChat({ chatId: reportChat, name: '档案员群', members: [] });
    h.fake.addChat({ chatId: OPS, name: '运维群', members: [] });
    await h.db.db.execute(
      sql`insert into chat_bindings (chat_id, unit_id, status, bound_by, bound_at)
          values (${chatId}, ${villageId}, 'active', 'cli', ${clock.now()})`,
    );
  });
  afterAll(async () => {
    await h?.close();
    rmSync(yamlDir, { recursive: true, force: true });
  });
  afterEach(() => h.fake.assertNoUnknownRoutes());

  it('reportChat is told what failed and which folder the administrator takes the report from; the alert names it', async () => {
    const damagedCode = await confirmedWithOneDamaged(h, clock, org, chatId);
    const before = h.fake.sentMessages().length;
    await runWeeklyCheck(h, clock, '2026-12-12T02:00:30+08:00');
    const text = await resultIn(h, reportChat, before);
    const reports = join(h.dataDir, 'reports');
    const [folder, ...more] = readdirSync(reports);
    expect(more).toEqual([]);
    expect(folder).toMatch(/^四性检测-\d{8}T\d{6}Z$/);
    // The whole archive was checked, and its report is the file the text names.
    expect(JSON.parse(readFileSync(join(reports, folder!, '检测范围.json'), 'utf8'))).toEqual({});
    expect(readFileSync(join(reports, folder!, '四性检测报告.xlsx')).length).toBeGreaterThan(1024);

    expect(text).toContain('四性检测未通过');
    expect(text).toContain(`${damagedCode}：哈希值不符`);
    expect(text).toContain(
      `检测报告较大，未通过聊天发送（上限 1.0 KB），已保存在服务器上（数据目录 reports 下的「${folder}」文件夹里的 四性检测报告.xlsx），请联系系统管理员取用。`,
    );
    expect(text).not.toContain('http');
    expect(text).not.toContain(h.dataDir);
    expect(h.fake.uploads()).toHaveLength(0);

    // The administrator's side: the 四性 alert in the operations chat, with the folder's full path.
    const alerts = h.fake
      .sentMessages()
      .slice(before)
      .filter((m) => m.receiveId === OPS && m.msgType === 'interactive')
      .map((m) => JSON.stringify(m.content));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain('告警：四性检测未通过');
    expect(alerts[0]).toContain(`报告：${join(reports, folder!)}`);
  }, 120_000);
});
