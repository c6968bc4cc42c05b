import holidayData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { sql } from 'drizzle-orm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { z } from 'zod';
import { defineJob } from '../../src/domain/job-type.js';
import { getUnitByCode } from '../../src/db/repos/units.js';
import { runDoctor } from '../../src/ops/doctor.js';
import { grantRole } from '../../src/usecases/change-role.js';
import { importUnits } from '../../src/usecases/import-units.js';
import { messageEvent, TEST_ENCRYPT_KEY } from '../support/events.js';
import { startHarness, type Harness } from '../support/harness.js';
import { signedRequest } from '../support/lark-sign.js';
import { ManualClock } from '../support/manual-clock.js';

const MINUTE = 60_000;
/** A job kind no feature handles (its row is made dead by hand). */
const TEST_ALERT_JOB = defineJob({ name: 'test-alert', payload: z.object({}) });

/** Cards the bot sent for alerts: [receive id, title, body text]. */
const alertCards = (h: Harness) =>
  h.fake
    .sentMessages()
    .filter((m) => m.msgType === 'interactive')
    .map((m) => m.content as any)
    .filter((c) => /^(告警|恢复正常)：/.test(c.header?.title?.content ?? ''))
    .map((c) => [c.header.title.content as string, c.body.elements[0].content as string]);
const sentTo = (h: Harness) =>
  h.fake
    .sentMessages()
    .filter((m) => /^(告警|恢复正常)：/.test((m.content as any)?.header?.title?.content ?? ''))
    .map((m) => `${m.receiveIdType}:${m.receiveId}`);

describe('operations alerts in the ops chat: one per kind per hour, one 恢复正常', () => {
  let h: Harness;
  const clock = new ManualClock('2026-06-10T10:00:00+08:00');
  const check = async () => {
    const before = alertCards(h).length;
    await h.bot.checkAlerts();
    return alertCards(h).slice(before);
  };
  const setDead = (status: 'dead' | 'done') =>
    h.db.db.execute(sql`update jobs set status = ${status} where kind = 'test-alert'`);

  beforeAll(async () => {
    h = await startHarness({
      clock,
      env: { OPS_CHAT_ID: 'oc_ops_room', ALERT_CHECK_MINUTES: '0', LARK_REFUSAL_ALERT_MINUTES: '30' },
    });
  });
  afterAll(() => h.close());

  it('says nothing while all is well', async () => {
    expect(await check()).toEqual([]);
  });

  it('alerts once when a job goes dead, not again while it stays dead, and says 恢复正常 when it is cleared', async () => {
    await enqueueJob(
      h.db.db,
      { type: TEST_ALERT_JOB, key: 'k1', payload: {}, runAt: clock.now() },
      clock.now(),
    );
    await setDead('dead');
    expect(await check()).toEqual([
      [
        '告警：有事件或任务处理失败',
        '失败的事件 0 条、后台任务 1 条，已停止重试。查看：npm run cli -- jobs dead（重试：jobs retry --all）',
      ],
    ]);
    expect(sentTo(h)).toEqual(['chat_id:oc_ops_room']);
    clock.advance(5 * MINUTE);
    expect(await check()).toEqual([]);
    await setDead('done');
    clock.advance(5 * MINUTE);
    expect(await check()).toEqual([['恢复正常：有事件或任务处理失败', '失败的事件和任务已处理完。']]);
    expect(await check()).toEqual([]);
  });

  it('a kind that fires again within the hour waits until the hour is over (state in the database)', async () => {
    await setDead('dead');
    clock.advance(10 * MINUTE);
    expect(await check()).toEqual([]);
    expect(
      await queryRows(h.db.db, sql`select firing, notified from ops_alerts where kind = 'dead_rows'`),
    ).toEqual([{ firing: true, notified: false }]);
    clock.advance(45 * MINUTE);
    expect((await check()).map((c) => c[0])).toEqual(['告警：有事件或任务处理失败']);
    await setDead('done');
    expect((await check()).map((c) => c[0])).toEqual(['恢复正常：有事件或任务处理失败']);
  });

  it('alerts when Lark refuses a scope (99991672), and clears after the refusal window', async () => {
    h.fake.inject({
      path: /^\/open-apis\/im\/v1\/chats\//,
      times: 1,
      fault: { code: 99991672, msg: 'Access denied' },
    });
    await expect(h.bot.deps.gateway.getChat('oc_some_chat')).rejects.toThrow();
    clock.advance(2 * MINUTE);
    expect(await check()).toEqual([
      [
        '告警：飞书拒绝了应用凭证或权限',
        '接口 im.chat.get 被拒绝（错误码 99991672）。请在开发者后台检查 App ID/Secret 和权限，并发布新版本；' +
          '如果重置过 App Secret，请把新的写进设置文件的 LARK_APP_SECRET，再重启机器人。',
      ],
    ]);
    clock.advance(29 * MINUTE);
    expect(await check()).toEqual([['恢复正常：飞书拒绝了应用凭证或权限', '30 分钟内飞书没有再拒绝。']]);
  });

  /** A push signed as Lark signs it, with the Encrypt Key the bot is (or is not) configured with. */
  const push = (key: string) => {
    const req = signedRequest(messageEvent({ appId: h.fake.appId, content: { text: '你好' } }), key, {
      timestampSeconds: Math.floor(clock.now().getTime() / 1000),
    });
    return fetch(`${h.bot.url}/lark/events`, { method: 'POST', headers: req.headers, body: req.body });
  };

  it("alerts when Lark's pushes are all refused for a setting (a wrong Encrypt Key), not for a forgery beside them", async () => {
    // A forged push among genuine ones: not the settings.
    expect((await push('a-forger-s-key')).status).toBe(401);
    expect((await push(TEST_ENCRYPT_KEY)).status).toBe(200);
    expect(await check()).toEqual([]);
    // The Encrypt Key changed in the developer console, not in the bot's settings: every push refused.
    clock.advance(5 * MINUTE);
    expect((await push('the-new-key-of-the-app')).status).toBe(401);
    expect(await check()).toEqual([
      [
        '告警：飞书推送的事件被拒绝',
        '飞书推送来的事件都被机器人拒绝了（签名、Token 或时间不对），群里的消息收不到。' +
          '请核对 LARK_ENCRYPT_KEY、LARK_VERIFICATION_TOKEN 与开发者后台「事件与回调 → 加密策略」一致，' +
          '本机时间准确；npm run cli -- doctor 的「飞书推送」一行说明原因。',
      ],
    ]);
    clock.advance(5 * MINUTE);
    expect(await check()).toEqual([]);
    // Set right again: pushes arrive.
    expect((await push(TEST_ENCRYPT_KEY)).status).toBe(200);
    clock.advance(5 * MINUTE);
    expect(await check()).toEqual([['恢复正常：飞书推送的事件被拒绝', '又能收到飞书推送的事件了。']]);
    await h.settle();
  });

  it('an undelivered alert is sent on the next round', async () => {
    await setDead('dead');
    clock.advance(61 * MINUTE);
    h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', times: 1, fault: { status: 500 } });
    expect(await check()).toEqual([]);
    expect((await check()).map((c) => c[0])).toEqual(['告警：有事件或任务处理失败']);
    await setDead('done');
    await check();
  });
});

describe('operations alerts without an ops chat: the top admins by direct message', () => {
  let h: Harness;
  const years = Object.keys((holidayData as { holidays: Record<string, string> }).holidays).map(
    (d) => +d.slice(0, 4),
  );
  const lastYear = Math.max(...years);
  // December of the last year the holiday table knows: next year is missing.
  const clock = new ManualClock(`${lastYear}-12-05T10:00:00+08:00`);

  beforeAll(async () => {
    // A month on, no backup was made: that alert is backup-alert.test.ts's.
    h = await startHarness({
      clock,
      env: { ALERT_CHECK_MINUTES: '0', MIN_FREE_DISK_MB: '1000000000', BACKUP_ALERT_HOURS: '0' },
    });
    await importUnits(
      { db: h.db.db, clock },
      {
        fileName: 'u.csv',
        text: 'code,name,kind,parent_code\nAL0,告警县,county,\nAL1,告警镇,township,AL0\n',
      },
    );
    const deps = { db: h.db.db, clock };
    const county = (await getUnitByCode(h.db.db, 'AL0'))!;
    const township = (await getUnitByCode(h.db.db, 'AL1'))!;
    await grantRole(deps, {
      unitId: county.id,
      person: { openId: 'ou_al_top' },
      role: 'admin',
      actor: 'cli',
      source: 'cli',
    });
    await grantRole(deps, {
      unitId: township.id,
      person: { openId: 'ou_al_t' },
      role: 'admin',
      actor: 'cli',
      source: 'cli',
    });
  });
  afterAll(() => h.close());

  it('tells the county admin about low disk and the missing holiday table in December', async () => {
    await h.bot.checkAlerts();
    const cards = alertCards(h);
    expect(cards.map((c) => c[0]).sort()).toEqual(['告警：磁盘空间不足', '告警：节假日表缺少新一年的数据']);
    expect(cards.find((c) => c[0] === '告警：节假日表缺少新一年的数据')![1]).toBe(
      `节假日表还没有 ${lastYear + 1} 年的数据：催办暂按周一到周五算工作日，只避开元旦、春节、清明、劳动节、端午、中秋、国庆的法定假日（估算），调休和连休到时都不算。` +
        // Not config/holidays.yaml in the program's folder (an upgrade may lose it): outside, as README says.
        `请把程序目录的 config/holidays.example.yaml 复制到程序目录以外（程序目录里的文件升级时可能丢失；服务器上是 /etc/archive-bot/holidays.yaml，` +
        `电脑上放在程序目录旁的 archive-bot-settings 文件夹），按国务院办公厅《关于${lastYear + 1}年部分节假日安排的通知》填写 ${lastYear + 1} 年，` +
        `并写 HOLIDAYS_FILE=它的路径（服务器写在 /etc/archive-bot/archive-bot.env，电脑写在 .env），` +
        `或等 chinese-days 发布含 ${lastYear + 1} 年的新版后在程序目录运行 npm update chinese-days；然后重启机器人。`,
    );
    expect(cards.find((c) => c[0] === '告警：磁盘空间不足')![1]).toMatch(
      /^剩余磁盘空间 \d+ MB，下限 1000000000 MB；新文件暂停下载，请清理磁盘。$/,
    );
    expect(new Set(sentTo(h))).toEqual(new Set(['open_id:ou_al_top']));
    // New Year's Day passed and the table was never updated: the alert stands (no 恢复正常 while
    // 春节 would count as working days).
    const sent = alertCards(h).length;
    clock.set(new Date(`${lastYear + 1}-01-02T10:00:00+08:00`));
    await h.bot.checkAlerts();
    expect(alertCards(h).slice(sent)).toEqual([]);
  });
});

describe('a holiday table without this year, after New Year', () => {
  let h: Harness;
  const years = Object.keys((holidayData as { holidays: Record<string, string> }).holidays).map(
    (d) => +d.slice(0, 4),
  );
  const year = Math.max(...years) + 1;
  // New Year's Day 07:30 in Beijing, still 31 December in UTC: the year is the deployment's zone's.
  const clock = new ManualClock(`${year}-01-01T07:30:00+08:00`);

  beforeAll(async () => {
    h = await startHarness({ clock, env: { OPS_CHAT_ID: 'oc_ops_new_year', ALERT_CHECK_MINUTES: '0' } });
  });
  afterAll(() => h.close());

  it('tells the IT person that this year is missing and 春节 counts as working days', async () => {
    await h.bot.checkAlerts();
    expect(alertCards(h)).toEqual([
      [
        '告警：节假日表缺少新一年的数据',
        `节假日表还没有 ${year} 年的数据：催办暂按周一到周五算工作日，只避开元旦、春节、清明、劳动节、端午、中秋、国庆的法定假日（估算），调休和连休现在都不算。` +
          // Not config/holidays.yaml in the program's folder (an upgrade may lose it): outside, as README says.
          `请把程序目录的 config/holidays.example.yaml 复制到程序目录以外（程序目录里的文件升级时可能丢失；服务器上是 /etc/archive-bot/holidays.yaml，` +
          `电脑上放在程序目录旁的 archive-bot-settings 文件夹），按国务院办公厅《关于${year}年部分节假日安排的通知》填写 ${year} 年，` +
          `并写 HOLIDAYS_FILE=它的路径（服务器写在 /etc/archive-bot/archive-bot.env，电脑写在 .env），` +
          `或等 chinese-days 发布含 ${year} 年的新版后在程序目录运行 npm update chinese-days；然后重启机器人。`,
      ],
    ]);
  });
});

describe("the missing-holidays alert clears once the county's holidays.yaml has the year", () => {
  let h: Harness;
  let dir: string;
  const years = Object.keys((holidayData as { holidays: Record<string, string> }).holidays).map(
    (d) => +d.slice(0, 4),
  );
  const next = Math.max(...years) + 1;
  const clock = new ManualClock(`${next - 1}-12-07T10:00:00+08:00`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'holidays-alert-'));
    // The file HOLIDAYS_FILE names holds this year only (a county that wrote one before).
    writeFileSync(
      join(dir, 'holidays.yaml'),
      `${next - 1}:\n  holidays:\n    - { name: 国庆节, from: ${next - 1}-10-01, to: ${next - 1}-10-07 }\n`,
    );
    h = await startHarness({
      clock,
      env: {
        OPS_CHAT_ID: 'oc_ops_holidays',
        ALERT_CHECK_MINUTES: '0',
        HOLIDAYS_FILE: join(dir, 'holidays.yaml'),
      },
    });
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the file to fill, then, after the year is written into it and the bot restarted, says 恢复正常', async () => {
    await h.bot.checkAlerts();
    const [raised] = alertCards(h);
    expect(raised![0]).toBe('告警：节假日表缺少新一年的数据');
    expect(raised![1]).toContain(
      `按国务院办公厅《关于${next}年部分节假日安排的通知》填写 ${join(dir, 'holidays.yaml')}（写法见程序目录的 config/holidays.example.yaml；还没有这个文件就把它复制过去）`,
    );
    expect(raised![1]).toContain('然后重启机器人');
    // The check-up says the same.
    const doctorLine = async () =>
      (
        await runDoctor(
          {
            LARK_APP_ID: h.fake.appId,
            LARK_APP_SECRET: h.fake.appSecret,
            LARK_DOMAIN: h.fake.baseUrl,
            DATA_DIR: h.dataDir,
            HOST: '127.0.0.1',
            PORT: new URL(h.bot.url).port,
            HOLIDAYS_FILE: join(dir, 'holidays.yaml'),
          },
          clock.now(),
        )
      ).find((l) => l.label === `节假日表 ${next}`);
    expect(await doctorLine()).toEqual({
      status: 'warn',
      label: `节假日表 ${next}`,
      detail: `缺失：${raised![1]}`,
    });

    writeFileSync(
      join(dir, 'holidays.yaml'),
      `${next}:\n  holidays:\n    - { name: 元旦, from: ${next}-01-01, to: ${next}-01-01 }\n` +
        `    - { name: 春节, from: ${next}-02-05, to: ${next}-02-12 }\n  workdays:\n    - ${next}-02-20\n`,
    );
    // The file is read at start: until the restart the alert stands.
    await clock.advance(2 * 60 * MINUTE);
    await h.bot.checkAlerts();
    expect(alertCards(h)).toHaveLength(1);
    await h.restart();
    await h.bot.checkAlerts();
    expect(alertCards(h).slice(1)).toEqual([
      [
        '恢复正常：节假日表缺少新一年的数据',
        `节假日表已包含 ${next} 年的数据（${join(dir, 'holidays.yaml')}）。`,
      ],
    ]);
    expect(await doctorLine()).toMatchObject({
      status: 'ok',
      detail: `已包含（${join(dir, 'holidays.yaml')}）`,
    });
  });
});

/**
 * An alert round cut short by the database (53300 too many connections), and alerts Lark did not take:
 * each is sent once when it can be, and the doctor says what is still owed.
 */
describe('an ops-alert round the database cuts short', () => {
  let h: Harness;
  const clock = new ManualClock('2026-06-10T10:00:00+08:00');
  const OPS = 'oc_ops_cut_short';
  const opsCards = () =>
    h.fake
      .sentMessages()
      .filter((m) => m.receiveId === OPS)
      .map((m) => String((m.content as any)?.header?.title?.content ?? ''));
  const gauge = (name: string) => h.bot.metrics.value(name, {});
  const doctorLine = async () => {
    const lines = await runDoctor({
      LARK_APP_ID: h.fake.appId,
      LARK_APP_SECRET: h.fake.appSecret,
      LARK_DOMAIN: h.fake.baseUrl,
      DATA_DIR: h.dataDir,
      HOST: '127.0.0.1',
      PORT: new URL(h.bot.url).port,
    });
    return lines.find((l) => l.label === '运维告警');
  };

  beforeAll(async () => {
    h = await startHarness({ clock, env: { OPS_CHAT_ID: OPS, ALERT_CHECK_MINUTES: '0' } });
    await h.db.db.execute(
      sql.raw(`create or replace function refuse_53300() returns trigger language plpgsql as $$
        begin raise exception 'sorry, too many clients already' using errcode = '53300'; end $$`),
    );
  });
  afterAll(() => h.close());

  it('an alert Lark did not take is sent once, next round; until then the doctor says it is owed', async () => {
    await enqueueJob(
      h.db.db,
      { type: TEST_ALERT_JOB, key: 'cut-1', payload: {}, runAt: clock.now() },
      clock.now(),
    );
    await h.db.db.execute(sql`update jobs set status = 'dead' where kind = 'test-alert'`);
    h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', times: 1, fault: { status: 500 } });
    await h.bot.checkAlerts();
    expect(opsCards()).toEqual([]);
    expect(gauge('ops_alerts_undelivered')).toBe(1);
    const line = await doctorLine();
    expect(line?.status).toBe('fail');
    expect(line?.detail).toContain('1 条告警没有送达');

    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards()).toEqual(['告警：有事件或任务处理失败']);
    expect(gauge('ops_alerts_undelivered')).toBe(0);
    expect((await doctorLine())?.status).toBe('ok');
    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards()).toEqual(['告警：有事件或任务处理失败']);
  });

  it('a 恢复正常 Lark took, which the database refused to record as delivered, is not sent twice', async () => {
    await h.db.db.execute(sql`update jobs set status = 'done' where kind = 'test-alert'`);
    const before = opsCards().length;
    await h.db.db.execute(
      sql`create trigger refuse_delivered before update on ops_alerts for each row
          when (old.pending_send is not null and new.pending_send is null) execute function refuse_53300()`,
    );
    try {
      clock.advance(5 * MINUTE);
      await h.bot.checkAlerts();
    } finally {
      await h.db.db.execute(sql`drop trigger refuse_delivered on ops_alerts`);
    }
    expect(opsCards().slice(before)).toEqual(['恢复正常：有事件或任务处理失败']);
    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards().slice(before)).toEqual(['恢复正常：有事件或任务处理失败']);
    expect(
      await queryRows(h.db.db, sql`select pending_send from ops_alerts where kind = 'dead_rows'`),
    ).toEqual([{ pending_send: null }]);
  });

  it('an alert whose answer was lost is not sent twice when the next round tries again', async () => {
    const before = opsCards().length;
    await h.db.db.execute(sql`update jobs set status = 'dead' where kind = 'test-alert'`);
    clock.advance(61 * MINUTE);
    // Lark posts the card, but its answer never reaches the bot.
    h.fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      times: 1,
      fault: { dropResponse: true },
    });
    await h.bot.checkAlerts();
    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards().slice(before)).toEqual(['告警：有事件或任务处理失败']);
  });

  it('a kind whose state the database refuses is left for the next round; the other kinds still run', async () => {
    await h.db.db.execute(sql`update jobs set status = 'done' where kind = 'test-alert'`);
    const before = opsCards().length;
    // Lark refuses a scope: the lark_refused kind fires; dead_rows clears, but its row cannot be written.
    h.fake.inject({
      path: /^\/open-apis\/im\/v1\/chats\//,
      times: 1,
      fault: { code: 99991672, msg: 'Access denied' },
    });
    await expect(h.bot.deps.gateway.getChat('oc_some_chat')).rejects.toThrow();
    await h.db.db.execute(
      sql`create trigger refuse_dead_rows before update on ops_alerts for each row
          when (old.kind = 'dead_rows') execute function refuse_53300()`,
    );
    try {
      clock.advance(MINUTE);
      await h.bot.checkAlerts();
    } finally {
      await h.db.db.execute(sql`drop trigger refuse_dead_rows on ops_alerts`);
    }
    expect(opsCards().slice(before)).toEqual(['告警：飞书拒绝了应用凭证或权限']);
    expect(gauge('ops_alert_round_cut_short')).toBe(1);
    clock.advance(MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards().slice(before)).toEqual([
      '告警：飞书拒绝了应用凭证或权限',
      '恢复正常：有事件或任务处理失败',
    ]);
    expect(gauge('ops_alert_round_cut_short')).toBe(0);
  });
});

/**
 * An alert Lark did not take, when the database then refused to record it as undelivered (53300), was
 * kept only in the process's memory: the row said 「told」, so after a restart (or on another instance)
 * it was never sent. The same held for a process that died between deciding to send and sending.
 */
describe('an undelivered ops alert and a restart', () => {
  let h: Harness;
  const clock = new ManualClock('2026-06-10T10:00:00+08:00');
  const OPS = 'oc_ops_restart';
  const opsCards = () =>
    h.fake
      .sentMessages()
      .filter((m) => m.receiveId === OPS)
      .map((m) => String((m.content as any)?.header?.title?.content ?? ''));

  beforeAll(async () => {
    h = await startHarness({ clock, env: { OPS_CHAT_ID: OPS, ALERT_CHECK_MINUTES: '0' } });
  });
  afterAll(() => h.close());

  it('is sent by the restarted bot, once', async () => {
    await enqueueJob(
      h.db.db,
      { type: TEST_ALERT_JOB, key: 'restart-1', payload: {}, runAt: clock.now() },
      clock.now(),
    );
    await h.db.db.execute(sql`update jobs set status = 'dead' where kind = 'test-alert'`);
    h.fake.inject({ method: 'POST', path: '/open-apis/im/v1/messages', times: 1, fault: { status: 500 } });
    await h.db.db.execute(
      sql.raw(`create or replace function refuse_53300() returns trigger language plpgsql as $$
        begin raise exception 'sorry, too many clients already' using errcode = '53300'; end $$`),
    );
    await h.db.db.execute(
      sql`create trigger refuse_forgetting before update on ops_alerts for each row
          when (old.notified and not new.notified and new.firing) execute function refuse_53300()`,
    );
    try {
      await h.bot.checkAlerts();
    } finally {
      await h.db.db.execute(sql`drop trigger refuse_forgetting on ops_alerts`);
    }
    expect(opsCards()).toEqual([]);
    await h.restart();
    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards()).toEqual(['告警：有事件或任务处理失败']);
    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(opsCards()).toEqual(['告警：有事件或任务处理失败']);
  });
});

/**
 * An alert to several admins is sent again after a lost answer under the same uuids, so a copy that got
 * through is not sent twice. The uuids were numbered by the admin's place in the list: an admin imported
 * meanwhile, ahead of the others, took the first one's uuid and Lark answered with that admin's message
 * (the new admin never got the alert), while the first admin got it again under the next number.
 */
describe('an alert sent again to admins after the list of admins changed', () => {
  let h: Harness;
  const clock = new ManualClock('2026-06-10T10:00:00+08:00');
  const TITLE = '告警：有事件或任务处理失败';
  const deadRowsTo = () =>
    h.fake
      .sentMessages()
      .filter((m) => (m.content as any)?.header?.title?.content === TITLE)
      .map((m) => m.receiveId)
      .sort();

  beforeAll(async () => {
    h = await startHarness({ clock, env: { ALERT_CHECK_MINUTES: '0', MIN_FREE_DISK_MB: '1' } });
    await importUnits(
      { db: h.db.db, clock },
      { fileName: 'u.csv', text: 'code,name,kind,parent_code\nAM0,告警二县,county,\n' },
    );
  });
  afterAll(() => h.close());

  const admin = async (openId: string) =>
    grantRole(
      { db: h.db.db, clock },
      {
        unitId: (await getUnitByCode(h.db.db, 'AM0'))!.id,
        person: { openId },
        role: 'admin',
        actor: 'cli',
        source: 'cli',
      },
    );

  it('each admin gets the alert once', async () => {
    await admin('ou_am_b');
    await enqueueJob(
      h.db.db,
      { type: TEST_ALERT_JOB, key: 'am-1', payload: {}, runAt: clock.now() },
      clock.now(),
    );
    await h.db.db.execute(sql`update jobs set status = 'dead' where kind = 'test-alert'`);
    // Lark posts the card to the one admin, but its answer never reaches the bot.
    h.fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      times: 1,
      fault: { dropResponse: true },
    });
    await h.bot.checkAlerts();
    expect(deadRowsTo()).toEqual(['ou_am_b']);
    // Another admin, ahead of the first in the list, is imported before the next round.
    await admin('ou_am_a');
    clock.advance(5 * MINUTE);
    await h.bot.checkAlerts();
    expect(deadRowsTo()).toEqual(['ou_am_a', 'ou_am_b']);
  });
});
