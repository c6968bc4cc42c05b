import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { addUnitRole, upsertPerson } from '../../src/db/repos/people.js';
import { insertTransferPackage } from '../../src/db/repos/transfer-packages.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { actionValue, sayToBot, tapIn, type TapArgs } from '../support/chat-actions.js';
import { postPhoto, replyAfterQuiet } from '../support/chat-photos.js';
import { filesOnDisk } from '../support/files-on-disk.js';
import { startHarness, type Harness } from '../support/harness.js';
import { ManualClock, awakeNow } from '../support/manual-clock.js';
import { seedOrg, type SeededOrg } from '../support/seed-org.js';
import { waitFor } from '../support/wait-for.js';
import { signedInContext, signInCookie } from '../support/web-sign-in.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

const id = (p: string) => `${p}${randomBytes(10).toString('hex')}`;
const PUBLIC_URL = 'https://archive.example.test';

/** Every regular file under dir, '/'-separated relative paths, with its bytes. */
function folderBytes(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split('\\').join('/'), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** The ZIP's entries under its one top folder, with their bytes (directories have none here). */
function zipEntries(zip: Uint8Array): { top: string[]; files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  const top = new Set<string>();
  for (const [name, bytes] of Object.entries(unzipSync(zip))) {
    const [first, ...rest] = name.split('/');
    top.add(first!);
    files.set(rest.join('/'), Buffer.from(bytes));
  }
  return { top: [...top], files };
}

/**
 * A package too big for the chat (archive.yaml's chatUploadLimitMb set tiny): the 导出 answer sends the
 * archivist to the package's page instead of to the administrator, and its 下载 (and the list row's)
 * streams the package folder as a ZIP (STORED) named by 全宗, unit and year, whose entries and bytes are
 * the folder's. A village archivist shown a township's package from above gets no download of the whole
 * package (their page shows only their part); the township's archivist does. A folder moved away or
 * changed is said on the page and by the download, never a 500. A 预检包 is offered as a 预检包.
 */
describe.skipIf(!hasChromium)('downloading a transfer package from its page', () => {
  const clock = new ManualClock(awakeNow());
  let h: Harness;
  let org: SeededOrg;
  let browser: Browser;
  let villageId: number;
  let yamlDir: string;
  const chatId = id('oc_');
  const archivist = { openId: '', name: '李档案' };
  let first = 0;
  let firstDir = '';
  let damaged = { itemId: 0, code: '' };
  let preCheck = { id: 0, outDir: '', answer: '' };
  beforeAll(async () => {
    yamlDir = mkdtempSync(join(tmpdir(), 'archive-yaml-'));
    const yaml = readFileSync(TEST_ARCHIVE_YAML, 'utf8').replace(
      /^chatUploadLimitMb: .*$/m,
      'chatUploadLimitMb: 0.001',
    );
    expect(yaml).toContain('chatUploadLimitMb: 0.001');
    writeFileSync(join(yamlDir, 'archive.yaml'), yaml);
    [h, browser] = await Promise.all([
      startHarness({
        mode: 'webhook',
        clock,
        env: { STORED_REACTION: 'off', PUBLIC_URL, ARCHIVE_CONFIG: join(yamlDir, 'archive.yaml') },
      }),
      launchChromium(),
    ]);
    org = await seedOrg(h.db.db, { prefix: 'PD', clock });
    archivist.openId = org.archivist;
    villageId = (await getUnitByCode(h.db.db, org.village))!.id;
    h.fake.addChat({ chatId, name: '城关村工作群', members: [{ openId: org.officer, name: '王村官' }] });
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

  const click = (...a: TapArgs) => tapIn(h, chatId, ...a);
  const archivistSays = (text: string) => sayToBot(h, { chatId, sender: org.archivist, text });
  const browse = (user: { openId: string; name: string }) =>
    signedInContext(h, browser, user, PUBLIC_URL, { locale: 'zh-CN', acceptDownloads: true });
  const get = async (user: { openId: string; name: string }, path: string) => {
    const cookie = await signInCookie(h, user, PUBLIC_URL);
    return fetch(`${h.bot.url}${path}`, { headers: { cookie } });
  };
  /** 导出 in the chat: the package it recorded (not sent: too big for the chat) and the answer. */
  const exportNow = async (): Promise<{ packageId: number; outDir: string; answer: string }> => {
    const [{ n }] = (await queryRows<{ n: number }>(
      h.db.db,
      sql`select count(*)::int as n from transfer_packages`,
    )) as [{ n: number }];
    const seen = h.fake.sentMessages().length;
    await archivistSays('导出');
    await h.settle();
    const made = await waitFor('the export recorded', async () => {
      const rows = await queryRows<{ id: number; outDir: string; sent: string | null }>(
        h.db.db,
        sql`select id::int as id, out_dir as "outDir", sent_chat_id as sent from transfer_packages order by id`,
      );
      return rows.length > n ? rows.at(-1) : undefined;
    });
    expect(made.sent).toBeNull();
    // Asked in the group, the answer goes to the archivist directly.
    const answer = await waitFor('the export’s answer', () =>
      h.fake
        .sentMessages()
        .slice(seen)
        .filter((m) => m.receiveIdType === 'open_id' && m.receiveId === org.archivist && m.msgType === 'text')
        .map((m) => (m.content as { text: string }).text)
        .find((t) => t.includes('已生成')),
    );
    return { packageId: made.id, outDir: made.outDir, answer };
  };

  it('too big for the chat: the answer points to the page, whose 下载 gives the folder as a ZIP', async () => {
    for (const seed of [31, 32]) {
      const messageId = await postPhoto(h, { chatId, sender: org.officer, seed });
      const ack = await replyAfterQuiet(h, clock, messageId);
      await click(org.officer, actionValue(ack.content, 'file'), { messageId: ack.messageId });
    }
    const preview = await archivistSays('确认归档');
    await click(org.archivist, actionValue(preview.content, 'confirm-archive'), {
      messageId: preview.messageId,
    });
    await h.settle();
    const made = await exportNow();
    first = made.packageId;
    firstDir = made.outDir;
    // No server path and no administrator: the package's page, where it is downloaded.
    // The limit in a unit that shows it (0.001 MB is 1 KB, not 「0.0 MB」).
    expect(made.answer).toContain('文件较大，未通过聊天发送（上限 1.0 KB），已保存在服务器上');
    expect(made.answer).toContain('请打开下面「这个包的详情」，点「下载」');
    expect(made.answer).not.toContain('请联系系统管理员取用');
    expect(made.answer).toContain(`这个包的详情：${PUBLIC_URL}/transfers/${first}`);
    expect(h.fake.uploads()).toHaveLength(0);

    const page = await (await browse(archivist)).newPage();
    await page.goto(`${h.bot.url}/transfers/${first}`);
    const link = page.locator('#download-link');
    expect((await link.innerText()).trim()).toBe('下载移交包（ZIP）');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const name = `全宗A182-城关村-2026年度-移交包-${first}`;
    expect(download.suggestedFilename()).toBe(`${name}.zip`);
    const saved = join(yamlDir, 'download.zip');
    await download.saveAs(saved);
    const zip = readFileSync(saved);
    // STORED: the ZIP is the files' bytes plus headers, no smaller than the folder.
    const onDisk = folderBytes(firstDir);
    expect(zip.length).toBeGreaterThan(filesOnDisk(firstDir).bytes);
    const { top, files } = zipEntries(zip);
    expect(top).toEqual([name]);
    expect([...files.keys()].sort()).toEqual([...onDisk.keys()].sort());
    for (const [rel, bytes] of onDisk) expect(files.get(rel)!.equals(bytes), rel).toBe(true);
    expect([...files.keys()]).toContain('说明文件.TXT');
    expect([...files.keys()].some((k) => k.startsWith('电子档案/'))).toBe(true);

    // The row on the unit's 移交包 page: no server path, a 下载 of its own.
    await page.goto(`${h.bot.url}/units/${villageId}/transfers`);
    const row = page.locator(`#packages [data-package="${first}"]`);
    expect(await row.innerText()).not.toContain(firstDir);
    expect(await row.innerText()).toContain('保存在服务器上');
    const rowLink = row.locator('a.download-package');
    expect((await rowLink.innerText()).trim()).toBe('下载');
    const [again] = await Promise.all([page.waitForEvent('download'), rowLink.click()]);
    expect(again.suggestedFilename()).toBe(`${name}.zip`);

    // Fetched with the page's cookie: its exact length, its type, the Chinese name per RFC 5987.
    const res = await get(archivist, `/transfers/${first}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.equals(zip)).toBe(true);
    expect(res.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent(`${name}.zip`)}`,
    );
  }, 90_000);

  /**
   * A copy of package `packageId`'s folder (`dir`) recorded as the township's package carrying its first
   * 件, with the same 数字摘要: a real folder the pages and the download check. Its id.
   */
  const asTownshipPackage = async (packageId: number, dir: string, name: string, preCheck: boolean) => {
    const township = (await getUnitByCode(h.db.db, org.township))!;
    const [recorded] = await queryRows<{ digest: string; record: number }>(
      h.db.db,
      sql`select p.digest, r.record_id::int as record from transfer_packages p
            join transfer_package_records r on r.package_id = p.id
          where p.id = ${packageId} limit 1`,
    );
    const townshipDir = join(h.dataDir, 'exports', name);
    cpSync(dir, townshipDir, { recursive: true });
    return h.db.db.transaction((tx) =>
      insertTransferPackage(
        tx,
        {
          createdAt: clock.now(),
          actor: 'cli',
          source: 'cli',
          unitId: township.id,
          year: 2026,
          fondsCodes: 'A182',
          layout: 'carrier',
          preCheck,
          digest: recorded!.digest,
          outDir: townshipDir,
          records: 1,
          ...filesOnDisk(townshipDir),
        },
        [recorded!.record],
      ),
    );
  };

  it('a township package from above: the village archivist gets no download of it, the township archivist does', async () => {
    // The same folder copied as the township's package (a real folder with its 数字摘要).
    const above = await asTownshipPackage(first, firstDir, 'township-copy', false);
    const page = await (await browse(archivist)).newPage();
    await page.goto(`${h.bot.url}/transfers/${above}`);
    expect(await page.locator('#part').count()).toBe(1);
    expect(await page.locator('#download-link').count()).toBe(0);
    expect((await page.locator('#download').innerText()).trim()).toContain(
      '只有城关镇或上级单位的档案员、管理员可以下载整个包',
    );
    const refused = await get(archivist, `/transfers/${above}/download`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toContain('只有城关镇或上级单位的档案员、管理员可以下载整个包');
    // On the village's list: the township's row has no 下载, the village's own has.
    await page.goto(`${h.bot.url}/units/${villageId}/transfers`);
    expect(await page.locator(`#packages [data-package="${above}"] a.download-package`).count()).toBe(0);
    expect(await page.locator(`#packages [data-package="${first}"] a.download-package`).count()).toBe(1);

    const township = (await getUnitByCode(h.db.db, org.township))!;
    const townshipArchivist = { openId: id('ou_'), name: '周档案' };
    await upsertPerson(h.db.db, townshipArchivist, clock.now());
    await addUnitRole(
      h.db.db,
      { unitId: township.id, openId: townshipArchivist.openId, role: 'archivist' },
      clock.now(),
    );
    const theirs = await (await browse(townshipArchivist)).newPage();
    await theirs.goto(`${h.bot.url}/units/${villageId}/transfers`);
    expect(await theirs.locator(`#packages [data-package="${above}"] a.download-package`).count()).toBe(1);
    await theirs.goto(`${h.bot.url}/transfers/${above}`);
    const [download] = await Promise.all([
      theirs.waitForEvent('download'),
      theirs.locator('#download-link').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`全宗A182-城关镇-2026年度-移交包-${above}.zip`);
    const { files } = zipEntries(readFileSync(await download.path()));
    expect(files.size).toBe(filesOnDisk(firstDir).files);
  }, 60_000);

  it('a folder moved away or changed since: the page and the download say so, never a 500', async () => {
    const page = await (await browse(archivist)).newPage();
    const moved = `${firstDir}.moved`;
    renameSync(firstDir, moved);
    try {
      await page.goto(`${h.bot.url}/transfers/${first}`);
      expect(await page.locator('#download-link').count()).toBe(0);
      expect(await page.locator('#download-problem').innerText()).toContain(
        '服务器上找不到这个包的文件夹（已被移走或删除），不能下载',
      );
      const res = await get(archivist, `/transfers/${first}/download`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('服务器上找不到这个包的文件夹');
    } finally {
      renameSync(moved, firstDir);
    }
    // A file added to the folder: its 数字摘要清单 still matches, its files do not.
    const extra = join(firstDir, '电子档案', 'extra.txt');
    appendFileSync(extra, 'x');
    try {
      const res = await get(archivist, `/transfers/${first}/download`);
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('已和导出时不一样');
    } finally {
      rmSync(extra);
    }
    // The 数字摘要清单 rewritten: the page says so before anyone clicks.
    const list = join(firstDir, '其他', '数字摘要清单.TXT');
    const kept = readFileSync(list);
    writeFileSync(list, Buffer.concat([kept, Buffer.from('0  x\r\n')]));
    try {
      await page.goto(`${h.bot.url}/transfers/${first}`);
      expect(await page.locator('#download-problem').innerText()).toContain('已和导出时不一样');
    } finally {
      writeFileSync(list, kept);
    }
    expect((await get(archivist, `/transfers/${first}/download`)).status).toBe(200);
  }, 60_000);

  it('a 预检包 is offered as a 预检包: its link, its file name and the label at its root', async () => {
    // A stored photo damaged: the 四性 check fails and 导出 gives only a 预检包.
    const [blob] = await queryRows<{ key: string; itemId: number; code: string }>(
      h.db.db,
      sql`select m.storage_key as key, fim.item_id::int as "itemId", ar.archival_code as code
          from materials m join filing_item_materials fim on fim.material_id = m.id
            join archive_records ar on ar.item_id = fim.item_id and ar.status = 'confirmed'
          where m.storage_key is not null order by m.id limit 1`,
    );
    damaged = { itemId: blob!.itemId, code: blob!.code };
    const path = join(h.dataDir, 'files', blob!.key);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[bad.length - 40]! ^= 0x01;
    writeFileSync(path, bad);
    let made;
    try {
      clock.advance(60_000);
      made = await exportNow();
    } finally {
      writeFileSync(path, good);
    }
    expect(made.answer).toContain('预检包（四性检测不通过，不得移交）已生成');
    preCheck = { id: made.packageId, outDir: made.outDir, answer: made.answer };
    const page = await (await browse(archivist)).newPage();
    await page.goto(`${h.bot.url}/transfers/${made.packageId}`);
    const link = page.locator('#download-link');
    expect((await link.innerText()).trim()).toBe('下载预检包（ZIP，只供检查和整改，不得移交）');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const name = `全宗A182-城关村-2026年度-预检包-${made.packageId}`;
    expect(download.suggestedFilename()).toBe(`${name}.zip`);
    const { top, files } = zipEntries(readFileSync(await download.path()));
    expect(top).toEqual([name]);
    expect(files.has('预检包-四性检测未通过-不得移交.TXT')).toBe(true);
    await page.goto(`${h.bot.url}/units/${villageId}/transfers`);
    expect(
      (
        await page.locator(`#packages [data-package="${made.packageId}"] a.download-package`).innerText()
      ).trim(),
    ).toBe('下载预检包（不得移交）');
  }, 90_000);

  it('a 预检包’s page lists what failed on which item, as the chat did, and the next step with the exact command', async () => {
    // The chat's lines (「· 档号：问题」) are the page's, each linking the item it names.
    const chatLines = preCheck.answer
      .split('\n')
      .filter((l) => l.startsWith('· '))
      .map((l) => l.slice(2));
    expect(chatLines).toContain(`${damaged.code}：哈希值不符`);
    const page = await (await browse(archivist)).newPage();
    await page.goto(`${h.bot.url}/transfers/${preCheck.id}`);
    expect((await page.locator('#check').innerText()).trim()).toBe('不通过：这是预检包，不得移交');
    expect(await page.locator('#failures-count').innerText()).toBe(String(chatLines.length));
    const failures = page.locator('#failures [data-failure]');
    expect((await failures.allInnerTexts()).map((t) => t.trim())).toEqual(chatLines);
    const failure = failures.filter({ hasText: '哈希值不符' });
    const next = await page.locator('#next-step').innerText();
    expect(next).toContain('把上面列出的件改正');
    expect(next).toContain('文件损坏或缺失的，请系统管理员从备份恢复');
    expect(next).toContain('在城关村的工作群里发送「@归档助手 导出 城关村 2026」');
    expect(next).toContain('私聊机器人时发送「导出 城关村 2026」');
    // The item it names opens, to be corrected.
    await failure.locator(`a[href="/items/${damaged.itemId}"]`).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/items/${damaged.itemId}`);
    // A passing 移交包 has no such list.
    await page.goto(`${h.bot.url}/transfers/${first}`);
    expect(await page.locator('#failures, #next-step, #failures-unread').count()).toBe(0);

    // The same 预检包 as the township's, carrying the village's 件: the village archivist reads its items
    // and is sent to the township's archivist, who exports the township.
    const above = await asTownshipPackage(preCheck.id, preCheck.outDir, 'township-precheck', true);
    await page.goto(`${h.bot.url}/transfers/${above}`);
    expect(await page.locator('#part').count()).toBe(1);
    expect((await page.locator('#failures [data-failure]').allInnerTexts()).map((t) => t.trim())).toEqual(
      chatLines,
    );
    expect(await page.locator('#next-step').innerText()).toContain(
      '再请城关镇的档案员在工作群里发送「@归档助手 导出 城关镇 2026」重新导出',
    );

    // The report is the package folder's: with the folder moved, the page says it cannot read it, and the
    // next step stays.
    const moved = `${preCheck.outDir}.moved`;
    renameSync(preCheck.outDir, moved);
    try {
      await page.goto(`${h.bot.url}/transfers/${preCheck.id}`);
      expect(await page.locator('#failures-unread').innerText()).toContain(
        '服务器上已找不到这个文件夹，读不到不通过的项目',
      );
      expect(await page.locator('#next-step').innerText()).toContain('「@归档助手 导出 城关村 2026」');
    } finally {
      renameSync(moved, preCheck.outDir);
    }
  }, 60_000);
});
