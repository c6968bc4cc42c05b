import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
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
 * A 移交包 holds every original file (households' ID cards among them), which a group's members may
 * not see (the package's page refuses them): 「@归档助手 导出」 in a group sends it, and its summary, to
 * the archivist who asked, by direct message; the group gets a short note. A direct chat with the bot
 * is answered there, as before.
 */
/** How long one export may take (its job, then the test around it), on a busy machine too. */
const EXPORT_MS = 90_000;

describe('导出 in a group: the package goes to the requester directly, never into the group', () => {
  let f: ArchiveFixture;
  let h: Harness;
  const group = 'oc_v1';
  const direct = 'oc_dm_archivist';
  const archivist = 'ou_archivist';
  const env = () => ({ DATA_DIR: f.dataDir, TZ: 'Asia/Shanghai', ARCHIVE_CONFIG: TEST_ARCHIVE_YAML });

  beforeAll(async () => {
    f = await createArchiveFixture();
    h = await startArchiveHarness(f, {}, [archiveFeature]);
    await f.fileItem(f.task.doc, [{ bytes: minimalPdf(1), kind: 'document', mime: 'application/pdf' }]);
    const confirmed = await cliInProcess(
      ['archive', 'confirm', '--unit', 'V1', '--year', '2025'],
      env(),
      f.tdb,
    );
    expect(confirmed.code, confirmed.stderr).toBe(0);
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
  /** 「@归档助手 导出 东村 2025」 sent in `chatId` through the webhook; its job run by the bot's worker. */
  const exportIn = async (chatId: string) => {
    const before = h.fake.sentMessages().length;
    const reply = await sayToBot(h, {
      chatId,
      sender: archivist,
      text: '导出 东村 2025',
      ...(chatId === direct ? { chatType: 'p2p' as const } : {}),
    });
    await waitFor(
      'the export job ended',
      async () => {
        const [job] = await queryRows<{ status: string }>(
          f.db,
          sql`select status from jobs where kind = 'archive-export' and key = ${reply.asked}`,
        );
        return job?.status === 'done' || job?.status === 'dead' ? job.status : undefined;
        // A whole package (catalogues, 版式 copies, its 四性 check): slow on a busy machine.
      },
      { timeoutMs: EXPORT_MS },
    );
    const sent = h.fake.sentMessages().slice(before);
    return {
      reply: textOf(reply),
      asked: reply.asked,
      /** What was answered in the chat that asked (replies to the command). */
      inChat: sent.filter((m) => m.replyTo === reply.asked),
      /** What went to the archivist directly. */
      toRequester: sent.filter((m) => m.receiveIdType === 'open_id' && m.receiveId === archivist),
      files: sent.filter((m) => m.msgType === 'file'),
    };
  };
  const sentTo = async (asked: string) => {
    const [row] = await queryRows<{ sent: string | null }>(
      f.db,
      sql`select p.sent_chat_id as sent from transfer_packages p
          where p.out_dir like ${`%${asked.slice(-8)}`}`,
    );
    return row?.sent;
  };

  it(
    'the ZIP and its summary go to the requester by direct message; the group gets a note with neither',
    async () => {
      const e = await exportIn(group);
      expect(e.reply).toBe(
        '正在生成东村2025年度的移交包（目录、电子文件、四性检测报告），完成后私信发给您（包里有个人信息，不在群里发送）。',
      );
      // The file and the summary, to the archivist's open_id.
      expect(e.toRequester.map((m) => m.msgType)).toEqual(['file', 'text']);
      expect(e.files).toHaveLength(1);
      const upload = h.fake
        .uploads()
        .find((u) => u.key === (e.files[0]!.content as { file_key: string }).file_key);
      expect(upload?.fileName).toMatch(/^A182-V1-2025-移交包-.*\.zip$/);
      const summary = textOf(e.toRequester[1]!);
      expect(summary).toContain('东村2025年度移交包已生成：1 件');
      expect(summary).toContain('压缩包已发送在上方。');
      // In the group: the note only, the requester @-mentioned; no file, no package name, no counts.
      expect(e.inChat.filter((m) => m.msgType !== 'text')).toEqual([]);
      expect(e.inChat.map(textOf)).toEqual([
        e.reply,
        `<at user_id="${archivist}"></at> 东村2025年度移交包已私信发给您，请在与归档助手的单聊里查看。包里有个人信息，不在群里发送。`,
      ]);
      expect(
        h.fake.sentMessages().filter((m) => m.receiveIdType === 'chat_id' && m.receiveId === group),
      ).toEqual([]);
      // Recorded as sent to the archivist directly, and said so.
      expect(await sentTo(e.asked)).toBe(archivist);
      const listed = await cliInProcess(['archive', 'transfers', '--unit', 'V1'], env(), f.tdb);
      expect(listed.stdout).toContain('已私信发给导出人');
      expect(listed.stdout).not.toContain('已发送到群');
    },
    EXPORT_MS + 30_000,
  );

  it(
    'a direct message Lark refuses: the group is told plainly how to get it, and no file is posted anywhere',
    async () => {
      // Lark will not deliver to this archivist (the app is not available to them, or they stopped the bot).
      h.fake.inject({
        method: 'POST',
        path: '/open-apis/im/v1/messages',
        times: 1,
        fault: { code: 230013, status: 400, msg: 'Bot has NO availability to this user.' },
      });
      const e = await exportIn(group);
      expect(e.files).toEqual([]);
      expect(e.toRequester).toEqual([]);
      expect(e.inChat.filter((m) => m.msgType !== 'text')).toEqual([]);
      expect(e.inChat.map(textOf)).toEqual([
        e.reply,
        '东村2025年度移交包已生成，但飞书不让机器人给您发私信，没能发给您（飞书错误码 230013）。' +
          '包里有个人信息，不在群里发送。请在飞书里搜索「归档助手」，打开和它的单聊，在单聊里发送「导出 东村 2025」。',
      ]);
      // Not sent: the package stays on the server only, and the job is not tried again.
      expect(await sentTo(e.asked)).toBeNull();
      const [job] = await queryRows<{ status: string; attempts: number }>(
        f.db,
        sql`select status, attempts::int as attempts from jobs where key = ${e.asked}`,
      );
      expect(job).toEqual({ status: 'done', attempts: 1 });
    },
    EXPORT_MS + 30_000,
  );

  it(
    'in a direct chat with the bot the package and its summary are the replies there, as before',
    async () => {
      const e = await exportIn(direct);
      expect(e.reply).toBe('正在生成东村2025年度的移交包（目录、电子文件、四性检测报告），完成后发到这里。');
      expect(e.inChat.map((m) => m.msgType)).toEqual(['text', 'file', 'text']);
      expect(textOf(e.inChat[2]!)).toContain('东村2025年度移交包已生成：1 件');
      expect(e.toRequester).toEqual([]);
      expect(await sentTo(e.asked)).toBe(archivist);
    },
    EXPORT_MS + 30_000,
  );
});
