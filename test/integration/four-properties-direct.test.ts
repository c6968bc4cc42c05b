import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { enqueueJob } from '../../src/db/repos/jobs.js';
import { FOUR_PROPERTIES_JOB } from '../../src/domain/job-types.js';
import { archiveFeature } from '../../src/wiring/archive.js';
import { sayToBot } from '../support/chat-actions.js';
import { cliInProcess } from '../support/cli-in-process.js';
import type { Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import {
  createArchiveFixture,
  startArchiveHarness,
  minimalPdf,
  type ArchiveFixture,
} from './archive-fixtures.js';
import { TEST_ARCHIVE_YAML } from '../support/county-archive.js';

/**
 * A 四性检测 that fails names its failing items (档号, and in its Excel report their titles: households'
 * names, ID cards' scans) which not every member of a group may see: 「@归档助手 四性检测」 in a group
 * sends the result and the Excel report to the archivist who asked, by direct message, and the group
 * gets one line. A direct chat with the bot is answered there; a run queued before this (no requester)
 * still answers in its chat.
 */
/** How long one check may take (its job, then the test around it), on a busy machine too. */
const CHECK_MS = 60_000;

describe('四性检测 in a group: the result goes to the requester directly, the group gets one line', () => {
  let f: ArchiveFixture;
  let h: Harness;
  let code = '';
  const group = 'oc_v1';
  const direct = 'oc_dm_archivist';
  const archivist = 'ou_archivist';

  beforeAll(async () => {
    f = await createArchiveFixture();
    h = await startArchiveHarness(f, {}, [archiveFeature]);
    const item = await f.fileItem(f.task.doc, [
      { bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' },
    ]);
    const confirmed = await cliInProcess(
      ['archive', 'confirm', '--unit', 'V1', '--year', '2025'],
      { DATA_DIR: f.dataDir, TZ: 'Asia/Shanghai', ARCHIVE_CONFIG: TEST_ARCHIVE_YAML },
      f.tdb,
    );
    expect(confirmed.code, confirmed.stderr).toBe(0);
    // Its stored file damaged: every check of 东村 2025 fails on it.
    const [row] = await queryRows<{ key: string; code: string }>(
      f.db,
      sql`select m.storage_key as key, ar.archival_code as code
          from filing_item_materials fim join materials m on m.id = fim.material_id
            join archive_records ar on ar.item_id = fim.item_id and ar.status = 'confirmed'
          where fim.item_id = ${item}`,
    );
    code = row!.code;
    const path = f.blobs.pathOf(row!.key);
    const bad = Buffer.from(readFileSync(path));
    bad[bad.length - 10]! ^= 0x01;
    chmodSync(path, 0o644);
    writeFileSync(path, bad);
  });
  afterAll(async () => {
    await h.close();
    await f.close();
  });
  afterEach(() => {
    h.fake.clearFaults();
    h.fake.assertNoUnknownRoutes();
  });

  const textOf = (m: { content: unknown }) => (m.content as { text: string }).text;
  /** The four-properties job of `key` ended (run by the bot's worker). */
  const jobEnded = (key: string) =>
    waitFor(
      'the 四性检测 job ended',
      async () => {
        const [job] = await queryRows<{ status: string; attempts: number }>(
          f.db,
          sql`select status, attempts::int as attempts from jobs
              where kind = 'four-properties-check' and key = ${key}`,
        );
        return job?.status === 'done' || job?.status === 'dead' ? job : undefined;
      },
      { timeoutMs: CHECK_MS },
    );
  /** 「@归档助手 四性检测 东村 2025」 sent in `chatId` through the webhook, and what its job sent. */
  const checkIn = async (chatId: string) => {
    const before = h.fake.sentMessages().length;
    const uploads = h.fake.uploads().length;
    const reply = await sayToBot(h, {
      chatId,
      sender: archivist,
      text: '四性检测 东村 2025',
      ...(chatId === direct ? { chatType: 'p2p' as const } : {}),
    });
    const job = await jobEnded(`chat-${reply.asked}`);
    const sent = h.fake.sentMessages().slice(before);
    return {
      reply: textOf(reply),
      job,
      /** Sent into the chat that asked (not replies to the command). */
      inChat: sent.filter((m) => m.receiveIdType === 'chat_id' && m.receiveId === chatId),
      /** Sent to the archivist directly. */
      toRequester: sent.filter((m) => m.receiveIdType === 'open_id' && m.receiveId === archivist),
      uploads: h.fake.uploads().slice(uploads),
    };
  };

  it(
    'the failing result and its Excel report go to the requester by direct message; the group gets one line naming no item',
    async () => {
      const c = await checkIn(group);
      expect(c.reply).toBe(
        '正在对东村2025年度已确认归档的材料做四性检测（真实性、完整性、可用性、安全性），' +
          '完成后把结果私信发给您（检测报告里有个人信息，不在群里发送）。',
      );
      expect(c.job).toEqual({ status: 'done', attempts: 1 });
      // To the archivist: the result naming the failing 档号, then the Excel report.
      expect(c.toRequester.map((m) => m.msgType)).toEqual(['text', 'file']);
      const result = textOf(c.toRequester[0]!);
      expect(result).toMatch(/^四性检测未通过（1 件，1 个文件）/);
      expect(result).toContain(`· ${code}：哈希值不符`);
      expect(c.uploads.map((u) => u.fileName)).toEqual([expect.stringMatching(/^四性检测报告.*\.xlsx$/)]);
      expect((c.toRequester[1]!.content as { file_key: string }).file_key).toBe(c.uploads[0]!.key);
      // In the group: one line, the verdict and counts, who has the report; no item, no file.
      expect(c.inChat.map((m) => m.msgType)).toEqual(['text']);
      expect(textOf(c.inChat[0]!)).toBe(
        `东村2025年度四性检测未通过（1 件，1 个文件；2 项不合格）。详细报告已私信发给 <at user_id="${archivist}"></at>` +
          '（报告里有个人信息，不在群里发送）。',
      );
      expect(
        h.fake.sentMessages().filter((m) => m.chatId === group && JSON.stringify(m.content).includes(code)),
      ).toEqual([]);
    },
    CHECK_MS + 30_000,
  );

  it(
    'a direct message Lark refuses: the group is told how to ask in a direct chat, and the result is sent nowhere',
    async () => {
      // Lark will not deliver to this archivist (the app is not available to them, or they stopped the bot).
      h.fake.inject({
        method: 'POST',
        path: '/open-apis/im/v1/messages',
        times: 1,
        fault: { code: 230013, status: 400, msg: 'Bot has NO availability to this user.' },
      });
      const c = await checkIn(group);
      expect(c.job).toEqual({ status: 'done', attempts: 1 });
      expect(c.toRequester).toEqual([]);
      expect(c.uploads).toEqual([]);
      expect(c.inChat.map(textOf)).toEqual([
        `<at user_id="${archivist}"></at> 东村2025年度四性检测已完成，但飞书不让机器人给您发私信，没能发给您（飞书错误码 230013）。` +
          '检测报告里有个人信息，不在群里发送。请在飞书里搜索「归档助手」，打开和它的单聊，在单聊里发送「四性检测 东村 2025」。',
      ]);
    },
    CHECK_MS + 30_000,
  );

  it(
    'in a direct chat with the bot the result and its report are sent there, as before',
    async () => {
      const c = await checkIn(direct);
      expect(c.reply).toMatch(/完成后把结果发到这里。$/);
      expect(c.inChat.map((m) => m.msgType)).toEqual(['text', 'file']);
      expect(textOf(c.inChat[0]!)).toContain(`· ${code}：哈希值不符`);
      expect(c.toRequester).toEqual([]);
    },
    CHECK_MS + 30_000,
  );

  it(
    'a run queued before the requester was recorded answers in its chat, as it did',
    async () => {
      const before = h.fake.sentMessages().length;
      const now = f.clock.now();
      await enqueueJob(
        f.db,
        {
          type: FOUR_PROPERTIES_JOB,
          key: 'chat-om_queued_before',
          payload: { unitId: f.unit.V1.id, year: 2025, chatId: group, requestId: 'om_queued_before' },
          runAt: now,
          maxAttempts: 2,
        },
        now,
      );
      h.bot.jobWorker.wake();
      expect(await jobEnded('chat-om_queued_before')).toEqual({ status: 'done', attempts: 1 });
      const sent = h.fake.sentMessages().slice(before);
      expect(sent.map((m) => [m.receiveIdType, m.receiveId, m.msgType])).toEqual([
        ['chat_id', group, 'text'],
        ['chat_id', group, 'file'],
      ]);
      expect(textOf(sent[0]!)).toContain(`· ${code}：哈希值不符`);
    },
    CHECK_MS + 30_000,
  );
});
