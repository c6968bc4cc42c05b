import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { LarkApiError, LarkNetworkError } from '../../src/errors.js';
import type { LarkChatGatewayOptions } from '../../src/lark/chat-gateway.js';
import { startFakeLark, type FakeLark, type FakeMessageItem } from '../support/fake-lark/server.js';
import { gatewayFor } from '../support/lark-gateway.js';
import { ManualClock } from '../support/manual-clock.js';

const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
let fake: FakeLark;

beforeAll(async () => {
  fake = await startFakeLark();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.clearFaults();
  fake.staleTokenStatus = 400;
  fake.assertNoUnknownRoutes();
});

function makeGateway(options: LarkChatGatewayOptions = {}, lark: Partial<Config['lark']> = {}) {
  return gatewayFor(fake, options, lark);
}

const text = (t: string) => ({ msgType: 'text' as const, content: JSON.stringify({ text: t }) });
const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const uid = () => Math.random().toString(36).slice(2, 10);

describe('LarkChatGateway against the fake Lark', () => {
  it('sends with the uuid; a resend with the same uuid posts once', async () => {
    const { gateway, metrics } = makeGateway();
    const input = {
      receiveIdType: 'chat_id' as const,
      receiveId: 'oc_uuid',
      message: text('提醒'),
      uuid: `u-${uid()}`,
    };
    const a = await gateway.sendMessage(input);
    const b = await gateway.sendMessage(input);
    expect(b.messageId).toBe(a.messageId);
    const sent = fake.sentMessages().filter((m) => m.uuid === input.uuid);
    expect(sent).toEqual([
      expect.objectContaining({ chatId: 'oc_uuid', msgType: 'text', content: { text: '提醒' } }),
    ]);
    expect(metrics.value('lark_api_calls_total', { api: 'im.message.create' })).toBe(2);
  });

  it('replies and patches cards', async () => {
    const { gateway } = makeGateway();
    fake.addMessage({ message_id: 'om_parent_1', chat_id: 'oc_reply' });
    const { messageId } = await gateway.reply({
      messageId: 'om_parent_1',
      message: text('收到'),
      uuid: `r-${uid()}`,
    });
    expect(fake.sentMessages().find((m) => m.messageId === messageId)).toMatchObject({
      replyTo: 'om_parent_1',
      chatId: 'oc_reply',
    });
    await gateway.patchCard({ messageId, card: { schema: '2.0', body: { elements: [] } } });
    expect(fake.patches().at(-1)).toEqual({ messageId, content: { schema: '2.0', body: { elements: [] } } });
  });

  it('a reply to what is no message (an id made up for a bot-menu tap) is refused, as Lark does', async () => {
    const { gateway } = makeGateway();
    const before = fake.sentMessages().length;
    const err = await gateway
      .reply({ messageId: 'menuev0123456789abcdef', message: text('收到'), uuid: `r-${uid()}` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarkApiError);
    expect((err as LarkApiError).larkCode).toBe(230001);
    expect(fake.sentMessages()).toHaveLength(before);
  });

  it.each([400, 200] as const)('stale token (HTTP %i): clears the token and retries once', async (status) => {
    const { gateway, metrics } = makeGateway();
    const before = fake.callsTo('POST', TOKEN_PATH).length;
    await gateway.sendMessage({
      receiveIdType: 'chat_id',
      receiveId: 'oc_t',
      message: text('a'),
      uuid: `t-${uid()}`,
    });
    fake.staleTokenStatus = status;
    fake.expireTokens();
    await gateway.sendMessage({
      receiveIdType: 'chat_id',
      receiveId: 'oc_t',
      message: text('b'),
      uuid: `t-${uid()}`,
    });
    expect(fake.callsTo('POST', TOKEN_PATH).length - before).toBe(2);
    expect(metrics.value('lark_retries_total', { code: 99991663 })).toBe(1);
  });

  it('waits for x-ogw-ratelimit-reset after a 429, then succeeds', async () => {
    const { gateway, metrics } = makeGateway();
    fake.inject({
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      times: 1,
      fault: { status: 429, resetSeconds: 1 },
    });
    const t0 = Date.now();
    await gateway.sendMessage({
      receiveIdType: 'chat_id',
      receiveId: 'oc_429',
      message: text('x'),
      uuid: `q-${uid()}`,
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(metrics.value('lark_rate_limited_total', { api: 'im.message.create' })).toBe(1);
  });

  it('backs off on 230020 and succeeds; gives up after bounded retries', async () => {
    const { gateway, metrics } = makeGateway({ backoffBaseMs: 20 });
    const path = '/open-apis/im/v1/messages';
    fake.inject({ method: 'POST', path, times: 2, fault: { code: 230020 } });
    await gateway.sendMessage({
      receiveIdType: 'chat_id',
      receiveId: 'oc_f',
      message: text('x'),
      uuid: `f-${uid()}`,
    });
    expect(metrics.value('lark_rate_limited_total', { api: 'im.message.create' })).toBe(2);

    fake.inject({ method: 'POST', path, fault: { code: 230020, status: 200 } });
    const err = await gateway
      .sendMessage({ receiveIdType: 'chat_id', receiveId: 'oc_f', message: text('y'), uuid: `f-${uid()}` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarkApiError);
    expect(err).toMatchObject({ larkCode: 230020, httpStatus: 200, isRateLimit: true });
    expect(metrics.value('lark_api_calls_total', { api: 'im.message.create' })).toBe(3 + 4);
  });

  it('a persistent 500 becomes LarkApiError with httpStatus 500', async () => {
    const { gateway } = makeGateway();
    fake.addChat({ chatId: 'oc_500', name: 'x', members: [] });
    fake.inject({ path: '/open-apis/im/v1/chats/oc_500', fault: { status: 500 } });
    const err = await gateway.getChat('oc_500').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarkApiError);
    expect(err).toMatchObject({ httpStatus: 500, isRetryable: true });
  });

  it('a timeout becomes LarkNetworkError; a wrong app secret becomes LarkApiError 10014', async () => {
    const slow = makeGateway({}, { httpTimeoutMs: 300 }).gateway;
    fake.inject({ path: '/open-apis/bot/v3/info', times: 1, fault: { delayMs: 1000 } });
    await expect(slow.getBotInfo()).rejects.toBeInstanceOf(LarkNetworkError);

    const wrong = makeGateway({}, { appSecret: 'not-the-secret' }).gateway;
    const err = await wrong.getBotInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarkApiError);
    expect(err).toMatchObject({ larkCode: 10014, httpStatus: 400 });
  });

  it('a download error (234003, body streamed) becomes LarkApiError with that code', async () => {
    const { gateway } = makeGateway();
    const err = await gateway
      .downloadResource({ messageId: 'om_none', fileKey: 'file_none', type: 'file' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LarkApiError);
    expect(err).toMatchObject({ larkCode: 234003, httpStatus: 400 });
  });

  describe('downloads', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    beforeAll(() => {
      fake.addResource({
        messageId: 'om_dl',
        fileKey: 'file_dl',
        bytes,
        contentType: 'application/pdf',
        fileName: '验收单 2024.pdf',
      });
    });

    it('streams the whole file with its metadata', async () => {
      const { gateway } = makeGateway();
      const dl = await gateway.downloadResource({ messageId: 'om_dl', fileKey: 'file_dl', type: 'file' });
      expect(dl).toMatchObject({ status: 200, contentLength: 4096, contentType: 'application/pdf' });
      expect(dl.fileName).toBe('验收单 2024.pdf');
      expect((await readAll(dl.stream)).equals(bytes)).toBe(true);
      expect(fake.callsTo('GET', '/open-apis/im/v1/messages/om_dl/resources/file_dl').at(-1)?.query).toEqual({
        type: 'file',
      });
    });

    it('passes Range and returns 206 with the right bytes and contentRange', async () => {
      const { gateway } = makeGateway();
      const dl = await gateway.downloadResource({
        messageId: 'om_dl',
        fileKey: 'file_dl',
        type: 'file',
        range: { start: 100, end: 1123 },
      });
      expect(dl).toMatchObject({
        status: 206,
        contentLength: 1024,
        contentRange: { start: 100, end: 1123, total: 4096 },
      });
      expect((await readAll(dl.stream)).equals(bytes.subarray(100, 1124))).toBe(true);
      expect(fake.calls.at(-1)?.headers.range).toBe('bytes=100-1123');
    });

    it('a file above maxWholeFileBytes is refused whole (234037) but served by Range', async () => {
      const { gateway } = makeGateway();
      fake.addResource({ messageId: 'om_big', fileKey: 'file_big', bytes, maxWholeFileBytes: 1024 });
      const input = { messageId: 'om_big', fileKey: 'file_big', type: 'file' as const };
      await expect(gateway.downloadResource(input)).rejects.toMatchObject({ larkCode: 234037 });
      const part = await gateway.downloadResource({ ...input, range: { start: 4000, end: 9999 } });
      expect(part).toMatchObject({ status: 206, contentRange: { start: 4000, end: 4095, total: 4096 } });
      expect((await readAll(part.stream)).equals(bytes.subarray(4000))).toBe(true);
    });

    it('a truncated body makes the stream error (LarkNetworkError), never a short success', async () => {
      const { gateway } = makeGateway();
      fake.inject({ path: /\/resources\/file_dl$/, times: 1, fault: { truncateAfterBytes: 1000 } });
      const dl = await gateway.downloadResource({ messageId: 'om_dl', fileKey: 'file_dl', type: 'file' });
      expect(dl.contentLength).toBe(4096);
      await expect(readAll(dl.stream)).rejects.toBeInstanceOf(LarkNetworkError);
    });

    it('aborts a stalled body after idleTimeoutMs', async () => {
      const { gateway } = makeGateway();
      fake.use((req, res) => {
        if (!req.url?.includes('/resources/file_stall')) return false;
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': 100 });
        res.write(Buffer.alloc(10));
        return true; // and never finish
      });
      const dl = await gateway.downloadResource({
        messageId: 'om_dl',
        fileKey: 'file_stall',
        type: 'image',
        idleTimeoutMs: 200,
      });
      await expect(readAll(dl.stream)).rejects.toThrow(/no data for 200 ms/);
    });
  });

  it('returns a merged forward with all descendants, and lists a chat page by page', async () => {
    const { gateway } = makeGateway();
    const fixture = JSON.parse(
      readFileSync(
        new URL('../fixtures/lark/im.message.get.merge_forward.response.json', import.meta.url),
        'utf8',
      ),
    ) as { data: { items: FakeMessageItem[] } };
    for (const item of fixture.data.items) fake.addMessage(item);
    const items = await gateway.getMessage('om_5ce6d572455d361153b7cb51da133916');
    expect(items.map((i) => i.message_id)).toEqual(fixture.data.items.map((i) => i.message_id));
    expect(items[5]).toMatchObject({
      upper_message_id: 'om_sub000000000000000000000000004',
      msg_type: 'text',
    });

    const base = Date.UTC(2024, 0, 1);
    for (let i = 0; i < 5; i++) {
      fake.addMessage({
        message_id: `om_list_${i}`,
        chat_id: 'oc_list',
        create_time: String(base + (5 - i) * 1000),
      });
    }
    const range = {
      chatId: 'oc_list',
      startTime: new Date(base),
      endTime: new Date(base + 60_000),
      pageSize: 2,
    };
    const p1 = await gateway.listMessages(range);
    expect(p1.hasMore).toBe(true);
    const p2 = await gateway.listMessages({ ...range, pageToken: p1.pageToken });
    const p3 = await gateway.listMessages({ ...range, pageToken: p2.pageToken });
    expect(p3.hasMore).toBe(false);
    expect([...p1.items, ...p2.items, ...p3.items].map((i) => i.message_id)).toEqual([
      'om_list_4',
      'om_list_3',
      'om_list_2',
      'om_list_1',
      'om_list_0',
    ]);
  });

  it('uploads images and files', async () => {
    const { gateway } = makeGateway();
    const png = Buffer.from('89504e470d0a1a0a00000000', 'hex');
    const { imageKey } = await gateway.uploadImage({ bytes: png });
    const { fileKey } = await gateway.uploadFile({
      fileName: '目录.xlsx',
      bytes: Buffer.from('PK..'),
      fileType: 'xls',
    });
    const up = fake.uploads();
    expect(up.find((u) => u.key === imageKey)).toMatchObject({
      kind: 'image',
      fields: { image_type: 'message' },
    });
    expect(up.find((u) => u.key === imageKey)?.bytes.equals(png)).toBe(true);
    expect(up.find((u) => u.key === fileKey)).toMatchObject({ kind: 'file', fileName: '目录.xlsx' });
  });

  it('caches users, chats, members and bot info', async () => {
    const { gateway, metrics } = makeGateway();
    fake.addUser({ openId: 'ou_cached', name: '张三' });
    const members = Array.from({ length: 230 }, (_, i) => ({ openId: `ou_m${i}`, name: `成员${i}` }));
    fake.addChat({ chatId: 'oc_cached', name: '李家村工作群', members });
    expect(await gateway.getUser('ou_cached')).toEqual({ openId: 'ou_cached', name: '张三' });
    expect(await gateway.getUser('ou_cached')).toEqual({ openId: 'ou_cached', name: '张三' });
    expect(await gateway.getUser('ou_invisible')).toBeUndefined();
    expect(metrics.value('lark_api_calls_total', { api: 'contact.user.get' })).toBe(2);

    expect(await gateway.getChat('oc_cached')).toMatchObject({
      chatId: 'oc_cached',
      name: '李家村工作群',
      chatMode: 'group',
    });
    await gateway.getChat('oc_cached');
    expect((await gateway.listChatMembers('oc_cached')).length).toBe(230);
    await gateway.listChatMembers('oc_cached');
    expect(metrics.value('lark_api_calls_total', { api: 'im.chat.get' })).toBe(1);
    expect(metrics.value('lark_api_calls_total', { api: 'im.chatMembers.get' })).toBe(3);
    // Someone joined and someone left (Lark's member events): the cached list follows, with no read.
    gateway.membersChanged('oc_cached', { joined: [{ openId: 'ou_new', name: '新人' }], left: ['ou_m0'] });
    const now = await gateway.listChatMembers('oc_cached', { expecting: ['ou_new'] });
    expect(now).toHaveLength(230);
    expect(now.find((m) => m.openId === 'ou_new')).toEqual({ openId: 'ou_new', name: '新人' });
    expect(now.some((m) => m.openId === 'ou_m0')).toBe(false);
    expect(metrics.value('lark_api_calls_total', { api: 'im.chatMembers.get' })).toBe(3);

    expect(await gateway.getBotInfo()).toEqual({ openId: fake.botOpenId, name: '归档助手' });
    await gateway.getBotInfo();
    expect(metrics.value('lark_api_calls_total', { api: 'bot.info' })).toBe(1);
  });

  it('a member event told while the list is being read lands in what that read caches', async () => {
    const { gateway, metrics } = makeGateway();
    const chatId = `oc_inflight_${uid()}`;
    fake.addChat({ chatId, name: '李家村工作群', members: [{ openId: 'ou_a', name: '甲' }] });
    fake.inject({ path: `/open-apis/im/v1/chats/${chatId}/members`, times: 1, fault: { delayMs: 300 } });
    const reading = gateway.listChatMembers(chatId);
    // Joined after Lark answered the read under way (the fake's list stays as it was).
    gateway.membersChanged(chatId, { joined: [{ openId: 'ou_b', name: '乙' }], left: [] });
    const ids = (l: { openId: string }[]) => l.map((m) => m.openId);
    expect(ids(await reading)).toEqual(['ou_a', 'ou_b']);
    expect(ids(await gateway.listChatMembers(chatId, { expecting: ['ou_b'] }))).toEqual(['ou_a', 'ou_b']);
    expect(metrics.value('lark_api_calls_total', { api: 'im.chatMembers.get' })).toBe(1);
  });

  it('reads a chat’s members again for someone its cached list lacks: one read at a time, at most one per 30 s', async () => {
    const clock = new ManualClock();
    const { gateway, metrics } = gatewayFor(fake, {}, {}, clock);
    const reads = () => metrics.value('lark_api_calls_total', { api: 'im.chatMembers.get' });
    const chatId = `oc_recheck_${uid()}`;
    const member = (openId: string) => ({ openId, name: openId.slice(3) });
    const members = (ids: string[]) =>
      fake.addChat({ chatId, name: '李家村工作群', members: ids.map(member) });
    const ids = async (expecting: string[]) =>
      (await gateway.listChatMembers(chatId, { expecting })).map((m) => m.openId);
    members(['ou_a']);
    await gateway.listChatMembers(chatId);
    expect(reads()).toBe(1);
    // Read moments ago: someone it lacks is not worth another read yet.
    members(['ou_a', 'ou_b']);
    expect(await ids(['ou_b'])).toEqual(['ou_a']);
    expect(reads()).toBe(1);

    // Past 30 s: ten asks at once, for ou_b and ten strangers, share one read.
    await clock.advance(31_000);
    const lists = await Promise.all(Array.from({ length: 10 }, (_, i) => ids(['ou_b', `ou_stranger${i}`])));
    expect(lists.every((l) => l.join() === 'ou_a,ou_b')).toBe(true);
    expect(reads()).toBe(2);
    // The strangers that read did not find (they left) are not read for again, even past 30 s.
    await clock.advance(31_000);
    expect(await ids(['ou_stranger3', 'ou_stranger7'])).toEqual(['ou_a', 'ou_b']);
    expect(reads()).toBe(2);
    // Within 30 s of the last read, a new one waits too.
    members(['ou_a', 'ou_b', 'ou_c']);
    await gateway.listChatMembers(chatId, { expecting: ['ou_c'] });
    expect(reads()).toBe(3);
    members(['ou_a', 'ou_b', 'ou_c', 'ou_d']);
    expect(await ids(['ou_d'])).toEqual(['ou_a', 'ou_b', 'ou_c']);
    expect(reads()).toBe(3);

    // A failed read keeps the list it had and is not tried again within 30 s.
    await clock.advance(31_000);
    fake.inject({ method: 'GET', path: new RegExp(`/chats/${chatId}/members$`), fault: { code: 232011 } });
    await expect(gateway.listChatMembers(chatId, { expecting: ['ou_d'] })).rejects.toBeInstanceOf(
      LarkApiError,
    );
    expect(reads()).toBe(4);
    expect(await ids(['ou_d'])).toEqual(['ou_a', 'ou_b', 'ou_c']);
    expect(reads()).toBe(4);
    fake.clearFaults();
    await clock.advance(31_000);
    expect(await ids(['ou_d'])).toEqual(['ou_a', 'ou_b', 'ou_c', 'ou_d']);
    expect(reads()).toBe(5);
  });

  it(
    'spaces sends per chat (not across chats) and stays under the fake’s limits',
    { timeout: 20_000 },
    async () => {
      const { gateway } = makeGateway();
      fake.enforceRateLimit({
        method: 'POST',
        path: /^\/open-apis\/im\/v1\/messages$/,
        perSecond: 5,
        keyBy: (c) => String((c.json as { receive_id?: string }).receive_id),
        code: 230020,
      });
      const send = (chat: string, i: number) =>
        gateway.sendMessage({
          receiveIdType: 'chat_id',
          receiveId: chat,
          message: text(`${i}`),
          uuid: `s-${uid()}`,
        });
      let t0 = Date.now();
      await Promise.all(Array.from({ length: 12 }, (_, i) => send('oc_same', i)));
      const sameChatMs = Date.now() - t0;
      t0 = Date.now();
      await Promise.all(Array.from({ length: 12 }, (_, i) => send(`oc_many_${i}`, i)));
      const manyChatsMs = Date.now() - t0;
      expect(sameChatMs).toBeGreaterThanOrEqual(2000);
      expect(manyChatsMs).toBeLessThan(sameChatMs);
      expect(fake.rateLimited).toBe(0);
    },
  );
});
