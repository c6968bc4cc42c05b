import { installScopedUuid } from '../domain/send-key.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type * as P from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';
import type { UserLookup } from '../ports/user-lookup.js';
import type { LarkClient } from './client.js';
import { downloadResource } from './download-resource.js';
import { defaultCallOptions, LarkCaller, type LarkCallOptions } from './lark-call.js';
import { ensureOk } from './lark-errors.js';
import { LarkDirectory, required } from './lark-directory.js';
import { readPages } from './lark-pages.js';
import { toMessageItem } from './message-item.js';

export interface LarkChatGatewayDeps {
  client: LarkClient;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
}

export interface LarkChatGatewayOptions extends Partial<LarkCallOptions> {
  /** Default idle timeout of downloads (ms without a byte). */
  idleTimeoutMs?: number;
  /** How long chats, members and users stay cached (Lark's free plan has a monthly API quota). */
  directoryTtlMs?: number;
  /** Mixed into every send's `uuid` (Lark dedupes uuids per app, across installs). */
  installId?: string;
}

/** A chat of 5,000 members read it all: 50 pages of 100. */
const READ_USERS_MAX_PAGES = 50;

/** The ChatGateway port over the Lark SDK (see lark-call.ts for limits, retries and errors). */
export class LarkChatGateway implements P.ChatGateway, UserLookup {
  private readonly client: LarkClient;
  private readonly caller: LarkCaller;
  private readonly idleTimeoutMs: number;
  private readonly directory: LarkDirectory;
  private readonly wireUuid: (uuid: string) => string;

  constructor(deps: LarkChatGatewayDeps, options: LarkChatGatewayOptions = {}) {
    const { idleTimeoutMs, directoryTtlMs, installId, ...callOpts } = options;
    this.client = deps.client;
    this.wireUuid = (uuid) => (installId ? installScopedUuid(installId, uuid) : uuid);
    this.caller = new LarkCaller(deps.client, deps.metrics, deps.logger, {
      ...defaultCallOptions,
      ...callOpts,
    });
    this.idleTimeoutMs = idleTimeoutMs ?? 30_000;
    this.directory = new LarkDirectory(deps.client, this.caller, deps.clock, directoryTtlMs ?? 10 * 60_000);
  }

  async sendMessage(input: P.SendMessageInput): Promise<{ messageId: string }> {
    const api = 'im.message.create';
    const { msgType, content } = input.message;
    const res = await this.caller.call(
      api,
      async () =>
        ensureOk(
          await this.client.im.message.create({
            params: { receive_id_type: input.receiveIdType },
            data: {
              receive_id: input.receiveId,
              msg_type: msgType,
              content,
              uuid: this.wireUuid(input.uuid),
            },
          }),
          api,
        ),
      [`${input.receiveIdType}:${input.receiveId}`],
    );
    return { messageId: required(res.data?.message_id, api) };
  }

  /** Replies are limited per API only: the port does not tell us the parent's chat. */
  async reply(input: P.ReplyInput): Promise<{ messageId: string }> {
    const api = 'im.message.reply';
    const { msgType, content } = input.message;
    const res = await this.caller.call(api, async () =>
      ensureOk(
        await this.client.im.message.reply({
          path: { message_id: input.messageId },
          data: {
            msg_type: msgType,
            content,
            uuid: this.wireUuid(input.uuid),
            reply_in_thread: input.replyInThread ?? false,
          },
        }),
        api,
      ),
    );
    return { messageId: required(res.data?.message_id, api) };
  }

  async patchCard(input: { messageId: string; card: object }): Promise<void> {
    const api = 'im.message.patch';
    const content = JSON.stringify(input.card);
    await this.caller.call(
      api,
      async () =>
        ensureOk(
          await this.client.im.message.patch({ path: { message_id: input.messageId }, data: { content } }),
          api,
        ),
      [`message:${input.messageId}`], // Lark: 5 QPS per message
    );
  }

  async addReaction(input: { messageId: string; emojiType: string }): Promise<void> {
    const api = 'im.messageReaction.create';
    await this.caller.call(api, async () =>
      ensureOk(
        await this.client.im.messageReaction.create({
          path: { message_id: input.messageId },
          data: { reaction_type: { emoji_type: input.emojiType } },
        }),
        api,
      ),
    );
  }

  async getMessage(messageId: string): Promise<P.LarkMessageItem[]> {
    const api = 'im.message.get';
    const res = await this.caller.call(api, async () =>
      ensureOk(await this.client.im.message.get({ path: { message_id: messageId } }), api),
    );
    return (res.data?.items ?? []).map(toMessageItem);
  }

  async listMessages(
    input: P.ListMessagesInput,
  ): Promise<{ items: P.LarkMessageItem[]; pageToken?: string; hasMore: boolean }> {
    const api = 'im.message.list';
    const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));
    const res = await this.caller.call(api, async () =>
      ensureOk(
        await this.client.im.message.list({
          params: {
            container_id_type: 'chat',
            container_id: input.chatId,
            start_time: seconds(input.startTime),
            end_time: seconds(input.endTime),
            sort_type: 'ByCreateTimeAsc',
            page_size: input.pageSize ?? 50,
            ...(input.pageToken ? { page_token: input.pageToken } : {}),
          },
        }),
        api,
      ),
    );
    const items = (res.data?.items ?? []).map(toMessageItem);
    const hasMore = res.data?.has_more === true;
    const pageToken = res.data?.page_token;
    return { items, hasMore, ...(hasMore && pageToken ? { pageToken } : {}) };
  }

  /** Every page (100 a page, at most READ_USERS_MAX_PAGES); the same reader twice is named once. */
  async readUsers(messageId: string): Promise<string[]> {
    const api = 'im.message.readUsers';
    const readers = await readPages(this.caller, api, READ_USERS_MAX_PAGES, (page) =>
      this.client.im.message.readUsers({
        path: { message_id: messageId },
        params: { user_id_type: 'open_id', page_size: 100, ...page },
      }),
    );
    return [...new Set(readers.flatMap((u) => (u.user_id ? [u.user_id] : [])))];
  }

  downloadResource(input: P.DownloadInput): Promise<P.ResourceDownload> {
    return downloadResource(this.client, this.caller, input, this.idleTimeoutMs);
  }

  /**
   * Uploads go through `client.request` with the same multipart payload the typed
   * `im.image.create`/`im.file.create` send, because those return `null` on an HTTP-200 error and
   * lose Lark's code.
   */
  async uploadImage(input: { bytes: Buffer }): Promise<{ imageKey: string }> {
    const data = { image_type: 'message', image: input.bytes };
    const res = await this.upload<{ image_key?: string }>('im.image.create', '/open-apis/im/v1/images', data);
    return { imageKey: required(res.image_key, 'im.image.create') };
  }

  async uploadFile(input: {
    fileName: string;
    bytes: Buffer;
    fileType?: string;
  }): Promise<{ fileKey: string }> {
    const data = { file_type: input.fileType ?? 'stream', file_name: input.fileName, file: input.bytes };
    const res = await this.upload<{ file_key?: string }>('im.file.create', '/open-apis/im/v1/files', data);
    return { fileKey: required(res.file_key, 'im.file.create') };
  }

  getChat(chatId: string): Promise<P.ChatInfo> {
    return this.directory.getChat(chatId);
  }

  listChatMembers(chatId: string, opts?: { expecting?: readonly string[] }): Promise<P.ChatMember[]> {
    return this.directory.listChatMembers(chatId, opts);
  }

  membersChanged(chatId: string, change: P.ChatMembersChange): void {
    this.directory.membersChanged(chatId, change);
  }

  getUser(openId: string): Promise<P.UserInfo | undefined> {
    return this.directory.getUser(openId);
  }

  findOpenIds(input: { mobiles: string[]; emails: string[] }) {
    return this.directory.findOpenIds(input);
  }

  getBotInfo(): Promise<{ openId: string; name: string }> {
    return this.directory.getBotInfo();
  }

  private async upload<T>(api: string, url: string, data: Record<string, unknown>): Promise<T> {
    type Answer = { code?: number; msg?: string; data?: T };
    const res = await this.caller.call(api, async () =>
      ensureOk(
        await this.client.request<Answer>({
          method: 'POST',
          url,
          data,
          headers: { 'Content-Type': 'multipart/form-data' },
        }),
        api,
      ),
    );
    return res.data ?? ({} as T);
  }
}
