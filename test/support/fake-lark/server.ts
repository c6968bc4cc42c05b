import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { RouteContext, type Route } from './context.js';
import { applyFault, Faults, rateLimitHeaders } from './faults.js';
import { authRoutes, checkAuth } from './routes-auth.js';
import { directoryRoutes } from './routes-directory.js';
import { messageRoutes } from './routes-messages.js';
import { oauthRoutes } from './routes-oauth.js';
import { resourceRoutes } from './routes-resources.js';
import { uploadRoutes } from './routes-uploads.js';
import { FakeState } from './state.js';
import type * as T from './types.js';

export interface StartFakeLarkOptions {
  /** Default `cli_a1b2c3d4e5f60718`: `cli_` + 16 hex chars, as the SDK's WSClient requires. */
  appId?: string;
  appSecret?: string;
  botOpenId?: string;
  botName?: string;
  /** Delay before every resource download answers. */
  latencyMs?: number;
}

const ROUTES: Route[] = [
  ...authRoutes,
  ...oauthRoutes,
  ...messageRoutes,
  ...resourceRoutes,
  ...uploadRoutes,
  ...directoryRoutes,
];

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** A fake Lark Open Platform on 127.0.0.1 speaking the documented wire format. */
export class FakeLark {
  readonly calls: T.RecordedCall[] = [];
  readonly unknownRoutes: string[] = [];
  readonly state: FakeState;
  private readonly faults = new Faults();
  private readonly handlers: T.FakeHandler[] = [];
  baseUrl = '';

  constructor(
    readonly httpServer: Server,
    opts: Required<StartFakeLarkOptions>,
  ) {
    this.state = new FakeState({ ...opts, resourceLatencyMs: opts.latencyMs });
    httpServer.on('request', (req, res) => {
      this.dispatch(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: -1, msg: `fake-lark crashed: ${String(err)}` }));
      });
    });
  }

  get appId(): string {
    return this.state.opts.appId;
  }
  get appSecret(): string {
    return this.state.opts.appSecret;
  }
  get botOpenId(): string {
    return this.state.opts.botOpenId;
  }
  /** Tenant tokens issued so far. */
  get tokensIssued(): number {
    return this.state.tokensIssued;
  }
  /** Requests refused by `enforceRateLimit`. */
  get rateLimited(): number {
    return this.faults.rateLimited;
  }
  /** HTTP status of a 99991663 "token invalid" answer (Lark: 400; 200 is seen too). */
  set staleTokenStatus(status: 200 | 400) {
    this.state.staleTokenStatus = status;
  }
  set latencyMs(ms: number) {
    this.state.resourceLatencyMs = ms;
  }

  callsTo(method: string, path: string | RegExp): T.RecordedCall[] {
    const m = method.toUpperCase();
    return this.calls.filter(
      (c) => c.method === m && (typeof path === 'string' ? c.path === path : path.test(c.path)),
    );
  }

  assertNoUnknownRoutes(): void {
    if (this.unknownRoutes.length > 0) {
      throw new Error(`fake-lark received unknown routes:\n  ${this.unknownRoutes.join('\n  ')}`);
    }
  }

  use(handler: T.FakeHandler): void {
    this.handlers.push(handler);
  }

  onUpgrade(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void {
    this.httpServer.on('upgrade', handler);
  }

  expireTokens(): void {
    this.state.expireTokens();
  }
  /** The App Secret reset in the developer console: the old secret and every token issued are refused. */
  resetAppSecret(secret: string): void {
    this.state.opts.appSecret = secret;
    this.state.expireTokens();
  }
  addMessage(item: T.FakeMessageInput): T.FakeMessageItem {
    return this.state.addMessage(item);
  }
  addResource(resource: T.FakeResource): void {
    this.state.resources.set(this.state.resourceKey(resource.messageId, resource.fileKey), resource);
  }
  addChat(chat: T.FakeChat): void {
    this.state.chats.set(chat.chatId, chat);
  }
  /** The Lark user the authorize page signs in (undefined: nobody is signed in to Lark). */
  signInAs(user: { openId: string; name: string } | undefined): void {
    this.state.oauth.user = user;
  }
  get oauth() {
    return this.state.oauth;
  }
  addUser(user: T.FakeUser): void {
    this.state.users.set(user.openId, user);
  }
  /** Messages are created at this clock's time (the bot's test clock) instead of the real one. */
  useClock(now: () => Date): void {
    this.state.now = () => now().getTime();
  }
  /**
   * A member opened a message in the chat (at the fake's clock): read_users lists them, once each,
   * earliest first. Reading it again changes nothing.
   */
  markRead(messageId: string, openId: string): void {
    const reads = this.state.reads.get(messageId) ?? [];
    if (!reads.some((r) => r.openId === openId)) reads.push({ openId, at: this.state.now() });
    this.state.reads.set(messageId, reads);
  }
  /** Lark keeps a send's uuid about an hour: after it, the same uuid posts a new message. */
  forgetUuids(): void {
    this.state.uuids.clear();
  }
  sentMessages(): T.SentMessage[] {
    return [...this.state.sent];
  }
  patches(): T.PatchRecord[] {
    return [...this.state.patches];
  }
  /** Reactions the bot added, in order. */
  reactions(): T.ReactionRecord[] {
    return [...this.state.reactions];
  }
  uploads(): T.UploadRecord[] {
    return [...this.state.uploads];
  }

  inject(injection: T.Injection): void {
    this.faults.inject(injection);
  }
  enforceRateLimit(rule: T.RateLimitRule): void {
    this.faults.enforceRateLimit(rule);
  }
  /** Drops injected faults and rate limits (recorded calls stay). */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Lark out of reach before any request is sent: connections are refused until `acceptConnections`. */
  async refuseConnections(): Promise<void> {
    const port = (this.httpServer.address() as AddressInfo).port;
    this.refusedPort = port;
    await new Promise<void>((resolve) => {
      this.httpServer.close(() => resolve());
      this.httpServer.closeAllConnections();
    });
  }

  async acceptConnections(): Promise<void> {
    const port = this.refusedPort;
    if (port === undefined) return;
    this.refusedPort = undefined;
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(port, '127.0.0.1', () => {
        this.httpServer.off('error', reject);
        resolve();
      });
    });
  }

  private refusedPort: number | undefined;

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.httpServer.close(() => resolve());
      this.httpServer.closeAllConnections();
    });
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let json: unknown;
    if (/json/i.test(req.headers['content-type'] ?? '') && body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const call: T.RecordedCall = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      json,
      bodyLength: body.length,
      time: Date.now(),
    };
    this.calls.push(call);
    const ctx = new RouteContext(req, res, call, body, this.state);

    const fault = this.faults.take(call);
    if (fault && (await applyFault(ctx, fault))) return;
    const limited = this.faults.checkRateLimit(call);
    if (limited) {
      if (limited.code === 230020) ctx.fail(230020, 'This operation triggers the frequency limit.');
      else ctx.fail(99991400, 'request trigger frequency limit', 429, rateLimitHeaders(1));
      return;
    }
    for (const handler of this.handlers) if (await handler(req, res, body)) return;

    for (const r of ROUTES) {
      const m = r.method === method ? r.pattern.exec(url.pathname) : null;
      if (!m) continue;
      ctx.params = { ...m.groups };
      if (r.auth !== false && !checkAuth(ctx)) return;
      await r.handle(ctx);
      return;
    }
    this.unknownRoutes.push(`${method} ${url.pathname}`);
    ctx.json(404, { code: 404, msg: `fake-lark: no route for ${method} ${url.pathname}` });
  }
}

export async function startFakeLark(opts: StartFakeLarkOptions = {}): Promise<FakeLark> {
  const server = createServer();
  // Idle keep-alive sockets stay open: Node's 5 s default closed one just as the SDK sent a request
  // on it (ECONNRESET), and the retry then waited for a test clock that a test does not move.
  server.keepAliveTimeout = 0;
  const fake = new FakeLark(server, {
    appId: opts.appId ?? 'cli_a1b2c3d4e5f60718',
    appSecret: opts.appSecret ?? 'fake-app-secret-0123456789',
    botOpenId: opts.botOpenId ?? 'ou_fakebot0000000000000000000000001',
    botName: opts.botName ?? '归档助手',
    latencyMs: opts.latencyMs ?? 0,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('fake-lark: no port');
  fake.baseUrl = `http://127.0.0.1:${addr.port}`;
  return fake;
}

export type * from './types.js';
