import { LarkApiError } from '../errors.js';
import type { ChatInfo, ChatMember, UserInfo } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';
import type { LarkClient } from './client.js';
import type { LarkCaller } from './lark-call.js';
import { ensureOk, NO_LARK_CODE } from './lark-errors.js';
import { readPages } from './lark-pages.js';
import { TtlCache } from './ttl-cache.js';

/** The API a person's name is read with (scope contact:user.base:readonly). */
export const CONTACT_USER_GET = 'contact.user.get';

/** 41050: the user is outside the app's contact visibility — treated as "unknown user". */
const USER_NOT_VISIBLE = new Set([41050]);

/** At most 200 pages of 100: a chat of 20,000 members read whole. */
const CHAT_MEMBERS_MAX_PAGES = 200;

/**
 * A chat's cached member list lacking someone (someone seen in the chat, someone tapping a card) is
 * read again at most once per chat per 30 s, so unknown ids (a non-member tapping again and again,
 * someone who left, many newcomers at once) cannot make the bot page through a chat's members more
 * than twice a minute (Lark: 1000 calls/min per API, for all chats together, and a monthly quota on
 * the free plan). Joins and leaves arrive as events (`im.chat.member.user.added_v1` and its kin) and
 * change the cached list at once (`membersChanged`), so the floor refuses no newcomer; without them
 * (an app whose console does not subscribe them) only a list read in the 30 s before someone joined
 * still hides them, until the next read past the 30 s.
 */
export const MEMBERS_RECHECK_FLOOR_MS = 30_000;

/** batch_get_id takes at most 50 mobiles and 50 emails per call. */
const BATCH_GET_ID_MAX = 50;
const sameMobile = (a: string, b: string) => a.replace(/^\+86/, '') === b.replace(/^\+86/, '');

export const required = (value: string | undefined, api: string): string => {
  if (!value) throw new LarkApiError(NO_LARK_CODE, `${api}: answer without the expected id`, 200);
  return value;
};

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };

/**
 * Chats, members, users and the bot itself, cached in memory (chats/members/users for `ttlMs`,
 * the bot forever): Lark's free plan has a monthly API quota, and these rarely change.
 */
export class LarkDirectory {
  private readonly chats: TtlCache<ChatInfo>;
  private readonly members: TtlCache<ChatMember[]>;
  /** Per member list: ids it was read again for and still lacked (they left): not worth another read. */
  private readonly absent = new WeakMap<ChatMember[], Set<string>>();
  private readonly users: TtlCache<UserInfo | undefined>;
  private readonly bot: TtlCache<{ openId: string; name: string }>;

  constructor(
    private readonly client: LarkClient,
    private readonly caller: LarkCaller,
    clock: Clock,
    ttlMs: number,
  ) {
    const now = () => clock.now().getTime();
    this.chats = new TtlCache(ttlMs, now);
    this.members = new TtlCache(ttlMs, now);
    this.users = new TtlCache(ttlMs, now);
    this.bot = new TtlCache(undefined, now);
  }

  getChat(chatId: string): Promise<ChatInfo> {
    return this.chats.getOrLoad(chatId, async () => {
      const api = 'im.chat.get';
      const res = await this.caller.call(api, async () =>
        ensureOk(await this.client.im.chat.get({ path: { chat_id: chatId } }), api),
      );
      const d = res.data;
      return { chatId, ...defined({ name: d?.name, chatMode: d?.chat_mode, ownerId: d?.owner_id }) };
    });
  }

  async listChatMembers(chatId: string, opts: { expecting?: readonly string[] } = {}): Promise<ChatMember[]> {
    const load = async () => {
      const api = 'im.chatMembers.get';
      const members = await readPages(this.caller, api, CHAT_MEMBERS_MAX_PAGES, (page) =>
        this.client.im.chatMembers.get({
          path: { chat_id: chatId },
          params: { member_id_type: 'open_id', page_size: 100, ...page },
        }),
      );
      return members.flatMap((m) =>
        m.member_id ? [{ openId: m.member_id, ...defined({ name: m.name }) }] : [],
      );
    };
    const list = await this.members.getOrLoad(chatId, load);
    const lacking = (l: ChatMember[]) =>
      (opts.expecting ?? []).filter((id) => !l.some((m) => m.openId === id) && !this.absent.get(l)?.has(id));
    if (lacking(list).length === 0) return list;
    const again = await this.members.reload(chatId, load, MEMBERS_RECHECK_FLOOR_MS);
    if (again !== list) {
      const absent = this.absent.get(again) ?? new Set();
      for (const id of lacking(again)) absent.add(id);
      this.absent.set(again, absent);
    }
    return again;
  }

  /**
   * People joined or left a chat (Lark's member events): its cached list (or the read under way) takes
   * them in or leaves them out, a joiner with the name the event gives; a joiner is no longer one a
   * read found missing. Nothing cached: the next read asks Lark, who knows.
   */
  membersChanged(chatId: string, change: { joined: readonly ChatMember[]; left: readonly string[] }): void {
    const changed = new Set([...change.joined.map((m) => m.openId), ...change.left]);
    this.members.change(chatId, (list) => {
      const next = [...list.filter((m) => !changed.has(m.openId)), ...change.joined];
      const absent = new Set([...(this.absent.get(list) ?? [])].filter((id) => !changed.has(id)));
      this.absent.set(next, absent);
      return next;
    });
  }

  /** Undefined when the user is outside the app's contact visibility (or has no visible name). */
  getUser(openId: string): Promise<UserInfo | undefined> {
    return this.users.getOrLoad(openId, async () => {
      const api = CONTACT_USER_GET;
      try {
        const res = await this.caller.call(api, async () =>
          ensureOk(
            await this.client.contact.user.get({
              path: { user_id: openId },
              params: { user_id_type: 'open_id' },
            }),
            api,
          ),
        );
        const name = res.data?.user?.name;
        return name ? { openId, name } : undefined;
      } catch (err) {
        if (err instanceof LarkApiError && USER_NOT_VISIBLE.has(err.larkCode)) return undefined;
        throw err;
      }
    });
  }

  /**
   * POST /contact/v3/users/batch_get_id, at most 50 mobiles and 50 emails per call (Lark's limit);
   * never cached (an import runs it once). Answers are matched to the request by the echoed
   * mobile (ignoring a +86 prefix Lark may add or drop) or email (ignoring case), never by position:
   * a wrong match would give a role to the wrong person.
   */
  async findOpenIds(input: { mobiles: string[]; emails: string[] }): Promise<{
    byMobile: Map<string, string>;
    byEmail: Map<string, string>;
  }> {
    const api = 'contact.user.batchGetId';
    const byMobile = new Map<string, string>();
    const byEmail = new Map<string, string>();
    const mobiles = [...new Set(input.mobiles)];
    const emails = [...new Set(input.emails)];
    for (let i = 0; i < Math.max(mobiles.length, emails.length); i += BATCH_GET_ID_MAX) {
      const m = mobiles.slice(i, i + BATCH_GET_ID_MAX);
      const e = emails.slice(i, i + BATCH_GET_ID_MAX);
      const res = await this.caller.call(api, async () =>
        ensureOk(
          await this.client.contact.user.batchGetId({
            params: { user_id_type: 'open_id' },
            data: { mobiles: m, emails: e, include_resigned: false },
          }),
          api,
        ),
      );
      for (const u of res.data?.user_list ?? []) {
        if (!u.user_id) continue;
        const mobile = u.mobile === undefined ? undefined : m.find((x) => sameMobile(x, u.mobile!));
        if (mobile) byMobile.set(mobile, u.user_id);
        const email = u.email?.toLowerCase();
        const asked = email === undefined ? undefined : e.find((x) => x.toLowerCase() === email);
        if (asked) byEmail.set(asked, u.user_id);
      }
    }
    return { byMobile, byEmail };
  }

  /** GET /open-apis/bot/v3/info — not generated in the SDK; its answer is `{code, msg, bot}`. */
  getBotInfo(): Promise<{ openId: string; name: string }> {
    return this.bot.getOrLoad('bot', async () => {
      const api = 'bot.info';
      type BotInfo = { code?: number; msg?: string; bot?: { open_id?: string; app_name?: string } };
      const res = await this.caller.call(api, async () =>
        ensureOk(await this.client.request<BotInfo>({ method: 'GET', url: '/open-apis/bot/v3/info' }), api),
      );
      return { openId: required(res.bot?.open_id, api), name: res.bot?.app_name ?? '' };
    });
  }
}
