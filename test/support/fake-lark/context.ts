import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FakeState } from './state.js';
import type { RecordedCall } from './types.js';

/** What a route handler gets: the request, its recorded form, path params and reply helpers. */
export class RouteContext {
  params: Record<string, string> = {};
  /** Set by a `truncateAfterBytes` fault: announce the full length, send fewer bytes, cut the socket. */
  truncateAfterBytes?: number;
  /** Set by a `stallAfterBytes` fault: send this many bytes, then nothing (the socket stays open). */
  stallAfterBytes?: number;
  /** Set by a `dropResponse` fault: the route did its work; its answer never leaves. */
  dropResponse?: boolean;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly call: RecordedCall,
    readonly body: Buffer,
    readonly state: FakeState,
  ) {}

  get query(): Record<string, string> {
    return this.call.query;
  }

  /** The JSON body as an object (empty object when absent or not JSON). */
  get jsonBody(): Record<string, any> {
    const j = this.call.json;
    return j && typeof j === 'object' ? (j as Record<string, any>) : {};
  }

  /** Lark's success envelope `{code:0,msg:'success',data}`. */
  ok(data: unknown = {}): void {
    this.json(200, { code: 0, msg: 'success', data });
  }

  /** Lark's error envelope; Lark answers most business errors with HTTP 400. */
  fail(code: number, msg: string, status = 400, headers: OutgoingHttpHeaders = {}): void {
    this.json(status, { code, msg }, headers);
  }

  json(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    const buf = Buffer.from(JSON.stringify(body));
    this.send(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, buf);
  }

  /** Sends bytes with an exact Content-Length, honouring a truncation fault. */
  send(status: number, headers: OutgoingHttpHeaders, buf: Buffer): void {
    if (this.dropResponse) {
      this.res.socket?.destroy();
      return;
    }
    this.res.writeHead(status, { ...headers, 'Content-Length': buf.length });
    if (this.stallAfterBytes !== undefined && this.stallAfterBytes < buf.length) {
      this.res.write(buf.subarray(0, this.stallAfterBytes));
      return;
    }
    const cut = this.truncateAfterBytes;
    if (cut === undefined || cut >= buf.length) {
      this.res.end(buf);
      return;
    }
    this.res.write(buf.subarray(0, cut), () => {
      // Give the bytes a moment to leave, then drop the connection mid-body.
      setTimeout(() => this.res.socket?.destroy(), 20);
    });
  }
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** false only for the token endpoint. */
  auth?: boolean;
  handle(ctx: RouteContext): void | Promise<void>;
}

/** `/open-apis/im/v1/messages/:message_id` → a RegExp with named groups. */
export const route = (
  method: string,
  path: string,
  handle: Route['handle'],
  opts: { auth?: boolean } = {},
): Route => ({
  method,
  pattern: new RegExp(`^${path.replace(/:([a-z_]+)/g, '(?<$1>[^/]+)')}$`),
  auth: opts.auth ?? true,
  handle,
});

/** Opaque offset page tokens, like Lark's. */
export const encodePageToken = (offset: number): string =>
  Buffer.from(`offset:${offset}`).toString('base64url');

export const decodePageToken = (token: string | undefined): number => {
  if (!token) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  return m ? Number(m[1]) : 0;
};

export const paginate = <T>(all: T[], pageToken: string | undefined, pageSize: number) => {
  const start = decodePageToken(pageToken);
  const items = all.slice(start, start + pageSize);
  const next = start + items.length;
  const hasMore = next < all.length;
  return { items, has_more: hasMore, page_token: hasMore ? encodePageToken(next) : '' };
};
