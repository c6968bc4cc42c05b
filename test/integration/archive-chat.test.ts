import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { recordChatJoined } from '../../src/db/repos/chats.js';
import { claimDue } from '../../src/db/repos/queue.js';
import { findInstallation } from '../../src/db/repos/installation.js';
import { installScopedUuid } from '../../src/domain/send-key.js';
import type { Command } from '../../src/domain/commands.js';
import type { IncomingMessage } from '../../src/domain/incoming.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { identityText, processStartOf, selfIdentity } from '../../src/process-identity.js';
import type { ComposedFeatures } from '../../src/usecases/feature-registry.js';
import { parseScheduleSettings } from '../../src/scheduler/schedule-settings.js';
import type { BotDeps } from '../../src/usecases/deps.js';
import { exportForChatJob } from '../../src/usecases/export-for-chat.js';
import { unconfirmArchive } from '../../src/usecases/unconfirm-archive.js';
import { archiveFeature } from '../../src/wiring/archive.js';
import { opsAlertsFeature } from '../../src/wiring/ops-alerts.js';
import { startHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import {
  changingAtFirstRead,
  confirmJobOfCard,
  createArchiveFixture,
  minimalPdf,
  photoJpeg,
  type ArchiveFixture,
} from './archive-fixtures.js';

const msg = (id: string, sender: string, text: string): IncomingMessage => ({
  messageId: id,
  chatId: 'oc_v1',
  chatType: 'group',
  senderOpenId: sender,
  senderType: 'user',
  msgType: 'text',
  content: JSON.stringify({ text }),
  sentAt: new Date(),
  mentions: [],
});
const cmd = (name: Command['name'], args: string): Command => ({ name, args, text: `${name} ${args}` });
const texts = (h: Harness, replyTo: string) =>
  h.fake
    .sentMessages()
    .filter((m) => m.replyTo === replyTo && m.msgType === 'text')
    .map((m) => (m.content as { text: string }).text);

describe('archive in chat: 确认归档, 导出, describe-item form, weekly check job', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let ctx: ComposedFeatures;
  let photoItem: number;
  let deps: BotDeps;

  beforeAll(async () => {
    f = await createArchiveFixture();
    // The bot with the archive feature only, on the fixture's database, clock and data folder, and
    // the fixture's archive settings (with a report chat for the weekly check).
    h = await startHarness({
      db: f.tdb,
      clock: f.clock,
      env: { DATA_DIR: f.dataDir, OPS_CHAT_ID: 'oc_ops_room' },
      settings: {
        schedules: parseScheduleSettings({}, 'Asia/Shanghai'),
        schedulesDefaulted: true,
        archive: { ...f.config, reportChat: 'oc_archivists' },
        warnings: [],
      },
      // The alert rounds too: an undelivered 四性 alert is sent again by them.
      features: [archiveFeature, opsAlertsFeature],
    });
    // The tests run the queued jobs themselves, attempt by attempt.
    h.bot.jobWorker.pause();
    deps = h.bot.deps;
    ctx = h.bot.features;
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
    photoItem = await f.fileItem(f.task.photo, [
      { bytes: await photoJpeg(), kind: 'photo', mime: 'image/jpeg' },
    ]);
  });
  afterAll(async () => {
    await h.close();
    await f.close();
  });

  /**
   * What the export asked by message `id` sent the requester directly (asked in a group, the package
   * and its summary go to them, not into the group): found by its send keys.
   */
  const toRequester = async (id: string) => {
    const install = (await findInstallation(h.db.db))!;
    const keys = ['export-file-', 'export-done-'].map((k) =>
      installScopedUuid(install.installId, `${k}${id}`),
    );
    return h.fake
      .sentMessages()
      .filter(
        (m) => m.receiveIdType === 'open_id' && m.receiveId === 'ou_archivist' && keys.includes(m.uuid ?? ''),
      );
  };
  /** The export's summary, sent to the requester directly. */
  const summaryOf = async (id: string) =>
    (await toRequester(id))
      .filter((m) => m.msgType === 'text')
      .map((m) => (m.content as { text: string }).text)
      .at(-1)!;

  /** The titles of the cards sent to the operations chat (its alerts), in order. */
  const opsCards = () =>
    h.fake
      .sentMessages()
      .filter((m) => m.receiveId === 'oc_ops_room' && m.msgType === 'interactive')
      .map((m) => (m.content as any).header.title.content as string);
  /** One bit of the photo item's stored file flipped; the test writes `good` back when done. */
  const damagePhoto = async () => {
    const [row] = await queryRows<{ key: string }>(
      f.db,
      sql`select m.storage_key as key from filing_item_materials fim join materials m on m.id = fim.material_id
          where fim.item_id = ${photoItem} order by fim.position limit 1`,
    );
    const path = f.blobs.pathOf(row!.key);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[bad.length - 40]! ^= 0x01;
    chmodSync(path, 0o644);
    writeFileSync(path, bad);
    return { path, good };
  };

  /**
   * 确认归档 in chat for `unitYear` (message `id`), then the preview card's button tapped: its queued
   * job's payload, and the card as last updated.
   */
  const confirmByCard = async (id: string, unitYear: string) => {
    await ctx.commands.handle(deps, msg(id, 'ou_archivist', '确认归档'), cmd('confirm', unitYear));
    const preview = h.fake.sentMessages().find((m) => m.replyTo === id)!;
    const value = JSON.parse(
      JSON.stringify(preview.content).match(/"value":(\{"a":"confirm-archive"[^}]*\})/)![1]!,
    );
    await ctx.cards.handle(deps, { operatorOpenId: 'ou_archivist', value, messageId: preview.messageId });
    return { preview, ...(await confirmJobOfCard(f.db, h, preview.messageId)) };
  };

  it('the describe-item card form records 事由 / 地点 / 人物', async () => {
    const res = await ctx.cards.handle(deps, {
      operatorOpenId: 'ou_officer',
      value: { a: 'describe-item', i: photoItem },
      formValue: { reason: '识别结果公示', place: '东村村委会公示栏', people: '' },
    });
    expect(res.toast?.content).toContain('人物');
    const [d] = await queryRows<{ reason: string; place: string; people: string | null }>(
      f.db,
      sql`select reason, place, people from item_descriptions where item_id = ${photoItem}`,
    );
    expect(d).toEqual({ reason: '识别结果公示', place: '东村村委会公示栏', people: null });
    const stranger = await ctx.cards.handle(deps, {
      operatorOpenId: 'ou_nobody',
      value: { a: 'describe-item', i: photoItem },
      formValue: { people: '张三' },
    });
    expect(stranger.toast?.type).toBe('error');
  });

  it('确认归档 shows what will be numbered first; its button (archivists) gives 档号; an officer is refused', async () => {
    await ctx.commands.handle(deps, msg('om_c0', 'ou_officer', '确认归档'), cmd('confirm', 'V1 2025'));
    expect(texts(h, 'om_c0')[0]).toContain('档案员');
    // A unit name works as well as a code.
    await ctx.commands.handle(deps, msg('om_c1', 'ou_archivist', '确认归档'), cmd('confirm', '东村'));
    const preview = h.fake.sentMessages().find((m) => m.replyTo === 'om_c1')!;
    const text = JSON.stringify(preview.content);
    expect(text).toContain('东村2025年度');
    expect(text).toContain('综合类 · 2025年度 · 保管期限30年：1件');
    expect(text).toContain('1组照片还没有写说明');
    expect(await queryRows(f.db, sql`select 1 from archive_records`)).toHaveLength(0);
    const value = JSON.parse(text.match(/"value":(\{"a":"confirm-archive"[^}]*\})/)![1]!);
    const officer = await ctx.cards.handle(deps, {
      operatorOpenId: 'ou_officer',
      value,
      messageId: preview.messageId,
    });
    expect(officer.toast?.type).toBe('error');
    const tapped = await ctx.cards.handle(deps, {
      operatorOpenId: 'ou_archivist',
      value,
      messageId: preview.messageId,
    });
    expect(tapped.toast?.content).toContain('正在编档号');
    const again = await ctx.cards.handle(deps, {
      operatorOpenId: 'ou_archivist',
      value,
      messageId: preview.messageId,
    });
    expect(again.toast?.content).toContain('已经在确认了');
    const [job] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = 'archive-confirm'`,
    );
    await ctx.jobs.get('archive-confirm')!.run(job!.payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
    const patched = JSON.stringify(h.fake.patches().find((p) => p.messageId === preview.messageId)!.content);
    expect(patched).toContain('已确认归档东村2025年度 2 件');
    expect(patched).toContain('A182-WS·2025-D30-ZH-0001');
    expect(patched).toContain('A182-ZP·2025-Y-0001');
  });

  /** 四性检测 asked in chat about 东村 (message `id`): its queued job's payload. */
  const fourPropertiesJob = async (id: string) => {
    await ctx.commands.handle(deps, msg(id, 'ou_archivist', '四性检测'), cmd('four-properties', '东村'));
    const [job] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = 'four-properties-check' and key = ${`chat-${id}`}`,
    );
    return job!.payload;
  };

  it('导出 queues a job that uploads the zipped package and shows no server path', async () => {
    await ctx.commands.handle(deps, msg('om_e1', 'ou_archivist', '导出'), cmd('export', 'V1 2025'));
    expect(texts(h, 'om_e1')[0]).toContain('正在生成');
    const [job] = await queryRows<{ kind: string; payload: any }>(
      f.db,
      sql`select kind, payload from jobs where kind = 'archive-export'`,
    );
    // What an earlier attempt killed mid-write left: the retry removes it first.
    const exportsDir = join(f.dataDir, 'exports');
    const stale = join(exportsDir, 'A182-V1-2025-移交包-om_e1.partial');
    mkdirSync(join(stale, 'package', '电子档案'), { recursive: true });
    writeFileSync(join(stale, 'package', '电子档案', 'half.pdf'), 'half');
    // Its owner, a process on this host, has exited.
    const killed = spawnSync('true').pid!;
    writeFileSync(join(stale, 'owner'), `${hostname()}:${killed}:1\n`);
    // And one an earlier takeover renamed aside and was killed before removing (its owner is gone too).
    const aside = `${stale}.stale-${hostname()}-${spawnSync('true').pid!}-1`;
    mkdirSync(join(aside, 'package', '其他'), { recursive: true });
    writeFileSync(join(aside, 'owner'), `${hostname()}:${killed}:1\n`);
    const logs: { msg: string; path?: string }[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
        done();
      },
    });
    await ctx.jobs
      .get('archive-export')!
      .run(job!.payload, createLogger('info', sink), { attempts: 1, maxAttempts: 3 });
    // What it removed is logged for the operator (the chat is told no server path).
    const removed = logs.filter((l) => l.msg === 'removed what a dead export left (its process is gone)');
    expect(removed.map((l) => l.path).sort()).toEqual([stale, aside].sort());
    // The package ends under its final name, whole; nothing unfinished is left beside it.
    const names = readdirSync(exportsDir);
    expect(names).toEqual(
      expect.arrayContaining(['A182-V1-2025-移交包-om_e1', 'A182-V1-2025-移交包-om_e1.zip']),
    );
    expect(names.filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(names.filter((n) => n.includes('.partial'))).toEqual([]);
    // The attempt's record of its paths is gone with the job.
    expect(names.filter((n) => n.startsWith('.export-'))).toEqual([]);
    expect(readdirSync(join(exportsDir, 'A182-V1-2025-移交包-om_e1')).sort()).toEqual(
      ['其他', '文件目录.XML', '电子档案', '说明文件.TXT'].sort(),
    );
    const upload = h.fake.uploads().find((u) => u.kind === 'file')!;
    expect(upload.fileName).toMatch(/^A182-V1-2025-移交包-.*\.zip$/);
    expect(upload.bytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    // Asked in the group: the ZIP and the summary to the archivist directly, a note in the group.
    expect((await toRequester('om_e1')).map((m) => m.msgType)).toEqual(['file', 'text']);
    expect(h.fake.sentMessages().filter((m) => m.replyTo === 'om_e1' && m.msgType === 'file')).toEqual([]);
    expect(texts(h, 'om_e1').at(-1)).toContain('东村2025年度移交包已私信发给您');
    const done = await summaryOf('om_e1');
    expect(done).toContain('移交包已生成：2 件');
    expect(done).toContain('四性检测：通过');
    // No server path in the chat (the job's log line says where the package is).
    expect(done).not.toContain(f.dataDir);
  });

  it('a second run of the same export while the first uploads is refused in the chat and removes nothing of the first', async () => {
    await ctx.commands.handle(deps, msg('om_e7', 'ou_archivist', '导出'), cmd('export', 'V1 2025'));
    const [job] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = 'archive-export' and payload->>'messageId' = 'om_e7'`,
    );
    const outDir = join(f.dataDir, 'exports', 'A182-V1-2025-移交包-om_e7');
    const run = () =>
      ctx.jobs.get('archive-export')!.run(job!.payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
    // The first run's upload is held by Lark for a while: it has published and zipped its package.
    h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/files', times: 1, fault: { delayMs: 3000 } });
    const first = run();
    await waitFor('the first run zipped its package', () => existsSync(`${outDir}.zip`));
    const ino = statSync(outDir).ino;
    // The same job run again meanwhile (a lease taken over while the first still runs).
    await run();
    expect(texts(h, 'om_e7')).toContain(
      '导出失败：同一个导出正在进行（上一次的导出还没有完成），本次没有开始；请等它完成后再看结果',
    );
    expect(statSync(outDir).ino).toBe(ino);
    expect(existsSync(`${outDir}.zip`)).toBe(true);
    await first;
    expect((await toRequester('om_e7')).filter((m) => m.msgType === 'file')).toHaveLength(1);
    expect(await summaryOf('om_e7')).toContain('移交包已生成');
    expect(statSync(outDir).ino).toBe(ino);
    expect(readdirSync(join(f.dataDir, 'exports')).filter((n) => n.includes('om_e7.lock'))).toEqual([]);
    for (const t of texts(h, 'om_e7')) expect(t).not.toContain(f.dataDir);
  });

  it('a failing export job says so in the chat on its last attempt only', async () => {
    await ctx.commands.handle(deps, msg('om_e2', 'ou_archivist', '导出'), cmd('export', 'V1 2025'));
    const [job] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = 'archive-export' and payload->>'messageId' = 'om_e2'`,
    );
    h.fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/files',
      fault: { code: 234001, status: 400, msg: 'upload refused by fake-lark' },
    });
    try {
      const run = (attempts: number) =>
        ctx.jobs.get('archive-export')!.run(job!.payload, silentLogger(), { attempts, maxAttempts: 3 });
      await expect(run(1)).rejects.toThrow();
      expect(texts(h, 'om_e2').filter((t) => t.startsWith('导出失败'))).toEqual([]);
      await expect(run(3)).rejects.toThrow();
    } finally {
      h.fake.clearFaults();
    }
    const failed = texts(h, 'om_e2').filter((t) => t.startsWith('导出失败'));
    expect(failed).toHaveLength(1);
    // What happened and who acts, never Lark's or the system's raw message (the job's log has those);
    // Lark's code last, for the system administrator.
    expect(failed[0]).toBe(
      '导出失败：包已生成并保存在服务器上，但飞书拒绝了发送，没能发给您。' +
        '请联系系统管理员从服务器取用，并按错误码查明原因。（飞书错误码 234001）',
    );
    // Lark sees the key scoped by this install (Lark keeps uuids per app, across installs).
    const install = await findInstallation(h.db.db);
    const uuid = installScopedUuid(install!.installId, 'export-failed-om_e2');
    const reply = h.fake.sentMessages().find((m) => m.replyTo === 'om_e2' && m.uuid === uuid);
    expect(reply).toBeDefined();
  });

  it('a package Lark will not take says in plain words why and what to check: too large, no permission', async () => {
    const cases = [
      {
        id: 'om_e2big',
        fault: { code: 234006, status: 400, msg: 'The file size exceed the max value.' },
        said:
          '导出失败：包已生成并保存在服务器上，但文件超过了飞书允许发送的大小，没能发给您。' +
          '请联系系统管理员从服务器取用，并把 archive.yaml 中的 chatUploadLimitMb 调小。（飞书错误码 234006）',
      },
      {
        id: 'om_e2scope',
        fault: { code: 99991672, status: 400, msg: 'Access denied. One of the following scopes is required' },
        said:
          '导出失败：包已生成并保存在服务器上，但机器人没有在飞书发送文件的权限。' +
          '请联系系统管理员：在飞书开发者后台给应用开通 im:resource 权限并发布新版本，然后重新发送「@归档助手 导出 东村 2025」。' +
          '（飞书错误码 99991672）',
      },
    ];
    for (const c of cases) {
      await ctx.commands.handle(deps, msg(c.id, 'ou_archivist', '导出'), cmd('export', 'V1 2025'));
      const [job] = await queryRows<{ payload: any }>(
        f.db,
        sql`select payload from jobs where kind = 'archive-export' and payload->>'messageId' = ${c.id}`,
      );
      h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/files', fault: c.fault });
      try {
        await expect(
          ctx.jobs.get('archive-export')!.run(job!.payload, silentLogger(), { attempts: 3, maxAttempts: 3 }),
        ).rejects.toThrow();
      } finally {
        h.fake.clearFaults();
      }
      expect(texts(h, c.id).filter((t) => t.startsWith('导出失败'))).toEqual([c.said]);
    }
  });

  it('the export folder name stays one safe segment under exports/ whatever the unit code is', async () => {
    const now = f.clock.now();
    const [u] = await queryRows<{ id: number }>(
      f.db,
      sql`insert into units (code, name, kind, parent_id, path, full_name, created_at, updated_at)
          values ('../../../逃逸', '逃逸村', 'village', ${f.unit.T1.id}, '', '逃逸村', ${now}, ${now})
          returning id::int as id`,
    );
    const id = Number(u!.id);
    await f.db.execute(sql`update units set path = ${`${f.unit.T1.path}${id}/`} where id = ${id}`);
    const exportsDir = join(f.dataDir, 'exports');
    const unsafe = join(exportsDir, 'A182-../../../逃逸-2025-移交包-om_e3');
    await ctx.jobs
      .get('archive-export')!
      .run(
        { unitId: id, year: 2025, chatId: 'oc_v1', messageId: 'om_e3', actor: 'ou_archivist' },
        silentLogger(),
        { attempts: 1, maxAttempts: 3 },
      );
    expect(existsSync(unsafe)).toBe(false);
    expect(readdirSync(exportsDir)).toContain('A182-_逃逸-2025-移交包-om_e3');
    expect(readdirSync(exportsDir).filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(texts(h, 'om_e3').at(-1)).not.toContain(exportsDir);
  });

  it('an export refused for a folder in use says so in the chat without server paths', async () => {
    const exportsDir = join(f.dataDir, 'exports');
    const run = async (messageId: string, owner: string) => {
      const payload = { unitId: f.unit.V1.id, year: 2025, chatId: 'oc_v1', messageId, actor: 'ou_archivist' };
      const partial = join(exportsDir, `A182-V1-2025-移交包-${messageId}.partial`);
      mkdirSync(partial, { recursive: true });
      // A live export's claim, or one whose process died before writing its owner (an empty file).
      writeFileSync(join(partial, 'owner'), owner);
      await ctx.jobs.get('archive-export')!.run(payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
      expect(existsSync(partial)).toBe(true); // nothing deleted
      const reply = texts(h, messageId).at(-1)!;
      expect(reply).not.toContain(f.dataDir);
      expect(reply).not.toContain('删除');
      return reply;
    };
    expect(await run('om_e5', `${identityText(selfIdentity())}\n`)).toBe(
      '导出失败：另一个导出正在写入同一个输出目录，本次导出没有开始；请等它完成后再试',
    );
    expect(await run('om_e6', '')).toBe(
      '导出失败：服务器上留有一个未完成的导出，需要管理员清理后才能导出，请联系管理员',
    );
  });

  it('an export whose process died on its last attempt: its unfinished folder goes, the requester is told', async () => {
    await ctx.commands.handle(deps, msg('om_e4', 'ou_archivist', '导出'), cmd('export', 'V1 2025'));
    await f.db.execute(
      sql`update jobs set attempts = max_attempts - 1 where kind = 'archive-export' and key = 'om_e4'`,
    );
    // A bot process claims the job on its last attempt, starts the package, and is SIGKILLed.
    const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    await once(victim, 'spawn');
    const identity = `${hostname()}:${victim.pid}:${processStartOf(victim.pid!)}`;
    const claimed = await claimDue(f.db, 'jobs', identity, 50, f.clock.now());
    expect(claimed.map((j) => (j.payload as { messageId?: string }).messageId)).toContain('om_e4');
    // The attempt recorded its paths as it started, under the fonds code of then (since changed),
    // and wrote half a package into its `.partial`, owned by the victim.
    const exportsDir = join(f.dataDir, 'exports');
    const outDir = join(exportsDir, 'OLD-V1-2025-移交包-om_e4');
    // The record as an attempt writes it (`exports/.export-<message>.json`; a restarted bot reads it).
    mkdirSync(exportsDir, { recursive: true });
    writeFileSync(
      join(exportsDir, '.export-om_e4.json'),
      JSON.stringify({ outDir, preDir: join(exportsDir, 'OLD-V1-2025-预检包-om_e4') }),
    );
    const partial = `${outDir}.partial`;
    mkdirSync(join(partial, 'package', '其他'), { recursive: true });
    writeFileSync(
      join(partial, 'package', '其他', '数字摘要清单.TXT'),
      'a fixity list of a package never finished',
    );
    writeFileSync(join(partial, 'owner'), `${identity}\n`);
    writeFileSync(`${outDir}.zip.partial`, 'half a zip');
    // An earlier attempt's takeover of a `.partial`, killed before it had removed it.
    const aside = `${partial}.stale-${hostname()}-${spawnSync('true').pid!}-1`;
    mkdirSync(join(aside, 'package'), { recursive: true });
    writeFileSync(join(aside, 'owner'), `${hostname()}:${spawnSync('true').pid!}:1\n`);
    // The attempt's lock on its folders (owner, then the lock's token).
    writeFileSync(join(exportsDir, '.export-OLD-V1-2025-移交包-om_e4.lock'), `${identity}\nthe-token\n`);
    victim.kill('SIGKILL');
    await once(victim, 'exit');
    // The sweeper sees the holder gone: the row is dead, and the job's onDead runs.
    await h.bot.jobWorker.sweep();
    const [row] = await queryRows<{ status: string }>(
      f.db,
      sql`select status from jobs where kind = 'archive-export' and key = 'om_e4'`,
    );
    expect(row!.status).toBe('dead');
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(aside)).toBe(false);
    expect(readdirSync(exportsDir).filter((n) => n.includes('om_e4'))).toEqual([]);
    const failed = texts(h, 'om_e4').filter((t) => t.startsWith('导出失败'));
    expect(failed).toEqual([
      // The exact command to export again, as sent in this group (the bot hears only an @ there).
      '导出失败：生成移交包时服务中断，未生成完整的包。可以重新发送「@归档助手 导出 东村 2025」；如果再次中断，请联系管理员。',
    ]);
  });

  it('the four-properties-check job writes its report and tells the chat', async () => {
    await ctx.jobs.get('four-properties-check')!.run({ chatId: 'oc_v1' }, silentLogger(), {
      attempts: 1,
      maxAttempts: 2,
    });
    const m = h.fake.sentMessages().find((s) => s.receiveId === 'oc_v1' && s.msgType === 'text')!;
    expect((m.content as { text: string }).text).toContain('四性检测通过');
  });

  it("the weekly check (no chat in the job) reports to archive.yaml's reportChat, once per week", async () => {
    for (let i = 0; i < 2; i++)
      await ctx.jobs.get('four-properties-check')!.run({ week: '2026-W02' }, silentLogger(), {
        attempts: 1 + i,
        maxAttempts: 3,
      });
    const sent = h.fake.sentMessages().filter((s) => s.receiveId === 'oc_archivists');
    expect(sent).toHaveLength(1);
    expect((sent[0]!.content as { text: string }).text).toMatch(/^四性检测(通过|未通过)/);
  });
  it('a failing check raises the 四性 alert in the operations chat, and 恢复正常 when the next one passes', async () => {
    const { path, good } = await damagePhoto();
    const check = () =>
      ctx.jobs.get('four-properties-check')!.run({ chatId: 'oc_v1' }, silentLogger(), {
        attempts: 1,
        maxAttempts: 2,
      });
    const before = h.fake.sentMessages().length;
    f.clock.advance(60_000); // a run of its own (the earlier on-demand check ran at the same instant)
    await check();
    expect(opsCards()).toEqual(['告警：四性检测未通过']);
    // The chat that asked hears which item is damaged, and gets the Excel report; no server path.
    const told = h.fake
      .sentMessages()
      .slice(before)
      .filter((m) => m.receiveId === 'oc_v1');
    const text = (told.find((m) => m.msgType === 'text')!.content as { text: string }).text;
    expect(text).toContain('四性检测未通过');
    expect(text).toContain('A182-ZP·2025-Y-0001：哈希值不符');
    expect(text).not.toContain(f.dataDir);
    expect(text).not.toContain('/');
    const file = told.find((m) => m.msgType === 'file')!;
    const upload = h.fake.uploads().find((u) => u.key === (file.content as { file_key: string }).file_key)!;
    expect(upload.fileName).toMatch(/^四性检测报告.*\.xlsx$/);
    expect(upload.bytes.subarray(0, 2).toString()).toBe('PK');
    // 导出 while the file is damaged: only a 预检包, named as such in the chat and on the ZIP.
    await ctx.commands.handle(deps, msg('om_e9', 'ou_archivist', '导出'), cmd('export', 'V1 2025'));
    const [exportJob] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = 'archive-export' and payload->>'messageId' = 'om_e9'`,
    );
    await ctx.jobs
      .get('archive-export')!
      .run(exportJob!.payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
    expect(h.fake.uploads().at(-1)!.fileName).toMatch(/^A182-V1-2025-预检包-.*\.zip$/);
    // Renamed once, from the unfinished folder straight to its 预检包 name: never a 移交包 on disk.
    const om9 = readdirSync(join(f.dataDir, 'exports')).filter((n) => n.includes('om_e9'));
    expect(om9.sort()).toEqual(['A182-V1-2025-预检包-om_e9', 'A182-V1-2025-预检包-om_e9.zip']);
    const preCheck = await summaryOf('om_e9');
    expect(preCheck).toContain('预检包（四性检测不通过，不得移交）已生成');
    // It names the damaged item and says what to do next.
    expect(preCheck).toContain('· A182-ZP·2025-Y-0001：哈希值不符');
    expect(preCheck).toContain('从备份恢复');
    // The exact command to export again, as sent where it is read: asked in the group, the summary
    // goes to the archivist's direct chat with the bot, so the command without the mention.
    expect(preCheck).toContain('处理好后重新发送「导出 东村 2025」。');
    // Asked in a direct chat with the bot: the same, answered there.
    await recordChatJoined(f.db, { chatId: 'oc_dm_archivist', chatType: 'p2p', at: f.clock.now() });
    await ctx.jobs
      .get('archive-export')!
      .run({ ...exportJob!.payload, chatId: 'oc_dm_archivist', messageId: 'om_e9dm' }, silentLogger(), {
        attempts: 1,
        maxAttempts: 3,
      });
    expect(texts(h, 'om_e9dm').at(-1)).toContain('处理好后重新发送「导出 东村 2025」。');
    await check(); // still failing: no second alert within the hour
    expect(opsCards()).toEqual(['告警：四性检测未通过']);
    writeFileSync(path, good);
    await check();
    expect(opsCards()).toEqual(['告警：四性检测未通过', '恢复正常：四性检测未通过']);
  });
  it("四性检测 in chat (archivists): checks the unit's confirmed year without a package and tells whoever asked", async () => {
    await ctx.commands.handle(deps, msg('om_4p0', 'ou_officer', '四性检测'), cmd('four-properties', '东村'));
    expect(texts(h, 'om_4p0')[0]).toContain('档案员');
    await ctx.commands.handle(
      deps,
      msg('om_4p1', 'ou_archivist', '四性检测'),
      cmd('four-properties', '东村 2024'),
    );
    // The command to send first, as it is sent here (the @ in a group, alone in a direct chat).
    expect(texts(h, 'om_4p1')).toEqual([
      '东村2024年度还没有确认归档的材料；四性检测查的是已确认归档的材料，请先发送「@归档助手 确认归档 东村 2024」',
    ]);
    await recordChatJoined(f.db, { chatId: 'oc_dm_archivist', chatType: 'p2p', at: f.clock.now() });
    const direct = {
      ...msg('om_4p1d', 'ou_archivist', '四性检测'),
      chatId: 'oc_dm_archivist',
      chatType: 'p2p',
    };
    await ctx.commands.handle(deps, direct, cmd('four-properties', '东村 2024'));
    expect(texts(h, 'om_4p1d')[0]).toMatch(/请先发送「确认归档 东村 2024」$/);
    const job = { payload: await fourPropertiesJob('om_4p2') };
    expect(texts(h, 'om_4p2')[0]).toContain('正在对东村2025年度已确认归档的材料做四性检测');
    // Asked in the group: the result goes to the archivist who asked, by direct message.
    expect(job!.payload).toEqual({
      unitId: f.unit.V1.id,
      year: 2025,
      chatId: 'oc_v1',
      requestId: 'om_4p2',
      requester: 'ou_archivist',
    });
    f.clock.advance(60_000);
    const before = h.fake.sentMessages().length;
    await ctx.jobs.get('four-properties-check')!.run(job!.payload, silentLogger(), {
      attempts: 1,
      maxAttempts: 2,
    });
    const told = h.fake.sentMessages().slice(before);
    expect(told.map((m) => [m.receiveId, (m.content as { text: string }).text.split('\n')[0]])).toEqual([
      ['ou_archivist', '四性检测通过（2 件，2 个文件）'],
      [
        'oc_v1',
        '东村2025年度四性检测通过（2 件，2 个文件）。详细报告已私信发给 <at user_id="ou_archivist"></at>。',
      ],
    ]);
    // No package was written for it.
    expect(readdirSync(join(f.dataDir, 'exports')).filter((n) => n.includes('om_4p'))).toEqual([]);
  });
  it('四性检测 in chat whose Excel report Lark refused once: the retried run posts its result once', async () => {
    const { path, good } = await damagePhoto();
    const job = { payload: await fourPropertiesJob('om_4p5') };
    const run = (attempts: number) =>
      ctx.jobs.get('four-properties-check')!.run(job!.payload, silentLogger(), { attempts, maxAttempts: 2 });
    f.clock.advance(60_000);
    const before = h.fake.sentMessages().length;
    h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/files', times: 1, fault: { status: 500 } });
    await expect(run(1)).rejects.toThrow();
    f.clock.advance(60_000);
    await run(2);
    const told = (to: string) =>
      h.fake
        .sentMessages()
        .slice(before)
        .filter((m) => m.receiveId === to)
        .map((m) => m.msgType);
    // The result and its Excel report to whoever asked, once each; the group its one line.
    expect(told('ou_archivist')).toEqual(['text', 'file']);
    expect(told('oc_v1')).toEqual(['text']);
    writeFileSync(path, good);
    // The whole archive intact again: the 四性 alert the damaged photo raised clears.
    await ctx.jobs
      .get('four-properties-check')!
      .run({ week: '2026-W05' }, silentLogger(), { attempts: 1, maxAttempts: 3 });
  });
  it('确认归档 whose card update failed after numbering: the retry shows the 档号 it gave, not 「没有待确认」', async () => {
    await f.fileItem(f.task.doc, [
      {
        bytes: minimalPdf(1, Buffer.from('retry-after-numbering')),
        kind: 'document',
        mime: 'application/pdf',
      },
    ]);
    const { preview, payload, card } = await confirmByCard('om_cr', '东村 2025');
    // Lark refuses the card update once, after the numbers were committed: the job's attempt fails.
    h.fake.inject({
      method: 'PATCH',
      path: new RegExp(`/im/v1/messages/${preview.messageId}$`),
      times: 1,
      fault: { code: 230099, status: 400, msg: 'refused once' },
    });
    const run = (attempts: number) =>
      ctx.jobs.get('archive-confirm')!.run(payload, silentLogger(), { attempts, maxAttempts: 3 });
    await expect(run(1)).rejects.toThrow();
    const [rec] = await queryRows<{ code: string }>(
      f.db,
      sql`select archival_code as code from archive_records where status = 'confirmed' order by id desc limit 1`,
    );
    await run(2);
    const patched = card();
    expect(patched).toContain('已确认归档东村2025年度 1 件');
    expect(patched).toContain(rec!.code);
    expect(patched).not.toContain('没有待确认');
  });
  it("a unit's own 四性检测 that passes does not clear the whole archive's failing 四性 alert", async () => {
    // 西村 has a confirmed year of its own, undamaged.
    await f.fileItem(f.task.v2doc, [
      { bytes: minimalPdf(1, Buffer.from('west-village')), kind: 'document', mime: 'application/pdf' },
    ]);
    const west = await confirmByCard('om_w0', '西村 2025');
    await ctx.jobs.get('archive-confirm')!.run(west.payload, silentLogger(), { attempts: 1, maxAttempts: 3 });

    // 东村's photo is damaged: the weekly check of the whole archive fails and raises the alert.
    const { path, good } = await damagePhoto();
    f.clock.advance(3 * 3_600_000); // past the alert interval of the earlier alert
    const before = opsCards().length;
    await ctx.jobs
      .get('four-properties-check')!
      .run({ week: '2026-W03' }, silentLogger(), { attempts: 1, maxAttempts: 3 });
    expect(opsCards().slice(before)).toEqual(['告警：四性检测未通过']);

    // 西村's archivist checks 西村: it passes, and says so to them, but 东村 is still damaged.
    await ctx.commands.handle(deps, msg('om_w1', 'ou_archivist', '四性检测'), cmd('four-properties', '西村'));
    const [job] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = 'four-properties-check' and key = 'chat-om_w1'`,
    );
    f.clock.advance(60_000);
    const sent = h.fake.sentMessages().length;
    await ctx.jobs.get('four-properties-check')!.run(job!.payload, silentLogger(), {
      attempts: 1,
      maxAttempts: 2,
    });
    const told = h.fake
      .sentMessages()
      .slice(sent)
      .filter((m) => m.receiveId === 'ou_archivist' && m.msgType === 'text');
    expect((told[0]!.content as { text: string }).text).toMatch(/^四性检测通过/);
    expect(opsCards().slice(before)).toEqual(['告警：四性检测未通过']);
    const [alert] = await queryRows<{ firing: boolean }>(
      f.db,
      sql`select firing from ops_alerts where kind = 'four_properties'`,
    );
    expect(alert!.firing).toBe(true);
    writeFileSync(path, good);
  });

  it("a 四性 alert Lark did not take is sent by the next alert round, not at next week's check", async () => {
    const weekly = (week: string) =>
      ctx.jobs.get('four-properties-check')!.run({ week }, silentLogger(), { attempts: 1, maxAttempts: 3 });
    const fourProperties = () => opsCards().filter((t) => t.endsWith('四性检测未通过'));
    f.clock.advance(3 * 3_600_000);
    await weekly('2026-W10'); // intact again: whatever fired clears
    f.clock.advance(3 * 3_600_000);
    const before = fourProperties().length;
    const { path, good } = await damagePhoto();
    h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', times: 1, fault: { status: 500 } });
    await weekly('2026-W11');
    expect(fourProperties().slice(before)).toEqual([]);
    // The check runs once a week; the alert rounds every few minutes send what it could not.
    f.clock.advance(5 * 60_000);
    await h.bot.checkAlerts();
    expect(fourProperties().slice(before)).toEqual(['告警：四性检测未通过']);
    f.clock.advance(5 * 60_000);
    await h.bot.checkAlerts();
    expect(fourProperties().slice(before)).toEqual(['告警：四性检测未通过']);
    writeFileSync(path, good);
  });

  it('确认归档 that fails for good, or whose process died, says so on the card instead of 「正在确认归档」', async () => {
    await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1, Buffer.from('confirm-fails')), kind: 'document', mime: 'application/pdf' },
    ]);
    const tap = (id: string) => confirmByCard(id, '东村 2025');
    const failing = { attempts: 3, maxAttempts: 3 };
    // The last attempt fails (here: its unit is gone): the card says nothing was numbered.
    const one = await tap('om_cf1');
    await expect(
      ctx.jobs.get('archive-confirm')!.run({ ...one.payload, unitId: 999_999 }, silentLogger(), failing),
    ).rejects.toThrow();
    expect(one.card()).toContain('确认归档没有完成，没有编任何档号');
    // The process died on the last attempt: the same, from the job's onDead.
    const two = await tap('om_cf2');
    await ctx.jobs.get('archive-confirm')!.dead(two.payload, silentLogger());
    expect(two.card()).toContain('确认归档没有完成');
  });

  it('导出 of a year with nothing confirmed says to confirm it first, as sent where it was asked', async () => {
    await ctx.commands.handle(deps, msg('om_en1', 'ou_archivist', '导出'), cmd('export', '东村 2024'));
    expect(texts(h, 'om_en1')).toEqual([
      '东村2024年度还没有确认归档的材料，请先发送「@归档助手 确认归档 东村 2024」',
    ]);
    const direct = { ...msg('om_en2', 'ou_archivist', '导出'), chatId: 'oc_dm_archivist', chatType: 'p2p' };
    await ctx.commands.handle(deps, direct, cmd('export', '东村 2024'));
    expect(texts(h, 'om_en2')).toEqual(['东村2024年度还没有确认归档的材料，请先发送「确认归档 东村 2024」']);
  });

  it('导出 that leaves out 件 not yet confirmed says how to take them along, and that way takes them', async () => {
    await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1, Buffer.from('not-yet')), kind: 'document', mime: 'application/pdf' },
    ]);
    const exportNow = async (id: string, chat?: string) => {
      await ctx.commands.handle(deps, msg(id, 'ou_archivist', '导出'), cmd('export', '东村 2025'));
      const [job] = await queryRows<{ payload: any }>(
        f.db,
        sql`select payload from jobs where kind = 'archive-export' and payload->>'messageId' = ${id}`,
      );
      await ctx.jobs
        .get('archive-export')!
        .run({ ...job!.payload, ...(chat ? { chatId: chat } : {}) }, silentLogger(), {
          attempts: 1,
          maxAttempts: 3,
        });
      return chat ? texts(h, id).at(-1)! : summaryOf(id);
    };
    // Asked in the group, the answer is read in the direct chat with the bot: the commands alone.
    expect(await exportNow('om_eu1')).toMatch(
      /\n另有 \d+ 件已提交但还没确认归档，未包含在内；要一并移交，请先发送「确认归档 东村 2025」，确认后再发送「导出 东村 2025」。\n/,
    );
    // Asked in a direct chat with the bot: the commands alone.
    await recordChatJoined(f.db, { chatId: 'oc_dm_archivist', chatType: 'p2p', at: f.clock.now() });
    expect(await exportNow('om_eu1dm', 'oc_dm_archivist')).toMatch(
      /\n另有 \d+ 件已提交但还没确认归档，未包含在内；要一并移交，请先发送「确认归档 东村 2025」，确认后再发送「导出 东村 2025」。\n/,
    );
    const { payload } = await confirmByCard('om_eu2', '东村 2025');
    await ctx.jobs.get('archive-confirm')!.run(payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
    expect(await exportNow('om_eu3')).not.toContain('还没确认归档');
  });

  it('导出 while 确认归档 numbers more 件: the reply says they are not in this package, not that everything is', async () => {
    await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1, Buffer.from('during')), kind: 'document', mime: 'application/pdf' },
    ]);
    await ctx.commands.handle(deps, msg('om_ed1', 'ou_archivist', '导出'), cmd('export', '东村 2025'));
    const [job] = await queryRows<{ payload: any }>(
      f.db,
      sql`select payload from jobs where kind = 'archive-export' and payload->>'messageId' = 'om_ed1'`,
    );
    // The archivist confirms (preview card, button, its job) once the export has read its counts.
    const change = changingAtFirstRead(h.bot.blobs, async () => {
      const { payload } = await confirmByCard('om_ed2', '东村 2025');
      await ctx.jobs.get('archive-confirm')!.run(payload, silentLogger(), { attempts: 1, maxAttempts: 3 });
    });
    await exportForChatJob(
      {
        db: f.db,
        gateway: deps.gateway,
        clock: f.clock,
        blobs: change.blobs,
        config: f.config,
        timeZone: 'Asia/Shanghai',
        exportsDir: join(f.dataDir, 'exports'),
      },
      job!.payload,
      silentLogger(),
      { attempts: 1, maxAttempts: 3 },
    );
    await change.done();
    const done = await summaryOf('om_ed1');
    expect(done).toContain('\n另有 1 件在导出期间确认归档，不在这个包内；请再发送「导出 东村 2025」。\n');
    expect(done).not.toContain('还没确认归档');
  });

  it('四性检测 in chat after a 撤销确认 counts the 件 as 导出 does, the retired number beside them', async () => {
    const [doc] = await queryRows<{ code: string }>(
      f.db,
      sql`select archival_code as code from archive_records where status = 'confirmed' and category_code = 'WS'
          order by piece_number desc limit 1`,
    );
    await unconfirmArchive(
      { db: f.db, clock: f.clock, timeZone: 'Asia/Shanghai' },
      { archivalCode: doc!.code, reason: '归错', actor: 'ou_archivist', source: 'card' },
    );
    const [n] = await queryRows<{ live: number; retired: number }>(
      f.db,
      sql`select (count(*) filter (where status = 'confirmed'))::int as live,
            (count(*) filter (where status = 'withdrawn'))::int as retired
          from archive_records where year = 2025 and unit_id = ${f.unit.V1.id}`,
    );
    expect(n!.retired).toBeGreaterThan(0);
    const job = { payload: await fourPropertiesJob('om_4pw') };
    const before = h.fake.sentMessages().length;
    await ctx.jobs.get('four-properties-check')!.run(job!.payload, silentLogger(), {
      attempts: 1,
      maxAttempts: 2,
    });
    const first = (h.fake.sentMessages()[before]!.content as { text: string }).text.split('\n')[0];
    expect(first).toMatch(
      new RegExp(`^四性检测(通过|未通过)（${n!.live} 件（另有停用件号 ${n!.retired} 个），\\d+ 个文件）$`),
    );
  });
});
