import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  FrameMethod,
  decodeFrame,
  encodeFrame,
  headerValue,
  payloadJson,
  type WsFrame,
} from './ws-frames.js';

/** The part of FakeLark (test/support/fake-lark/server.ts) the gateway hooks into. */
export interface FakeLarkHooks {
  baseUrl: string;
  appId: string;
  appSecret: string;
  httpServer: Server;
  use(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>): void;
  onUpgrade(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void;
}

/** What `POST /callback/ws/endpoint` and every pong tell the client. Seconds; fractions work. */
export interface LarkWsClientConfig {
  PingInterval: number;
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
}

export interface WsGatewayOptions {
  /** Defaults are Lark's production values (120 s pings, endless reconnects every 120 s + 0-30 s jitter). */
  clientConfig?: Partial<LarkWsClientConfig>;
  /** Pause after a connection opens before it counts as ready (the SDK attaches its listeners late). */
  openDelayMs?: number;
  /** How long pushEvent waits for the client's answer frame. */
  ackTimeoutMs?: number;
  /** Hand events to the live connections in turn (several instances connected), not to the newest. */
  spread?: boolean;
  /** Answer `POST /callback/ws/endpoint` with this refusal (e.g. 403 forbidden); read per request, so a test may lift it. */
  endpointRefusal?: { code: number; msg: string };
}

export interface PushOptions {
  /** Header `type`. The SDK 1.74 answers only `event` frames (card callbacks arrive as `event` too). */
  type?: 'event' | 'card';
  timeoutMs?: number;
  /** Split the payload into this many frames (headers `sum`/`seq`), as Lark does for big events. */
  fragments?: number;
}

/** The client's answer frame payload: `code` 200 or 500, `data` = the handler's return value, decoded. */
export interface WsAck {
  code: number;
  data?: unknown;
}

export interface WsGateway {
  pushEvent(event: object, opts?: PushOptions): Promise<WsAck>;
  /** Resolves once a live (open, not frozen, past openDelayMs) connection exists. */
  waitForConnection(timeoutMs?: number): Promise<void>;
  /** Connections open right now (frozen ones included). */
  connectionCount(): number;
  /** Connections accepted since the gateway started. */
  connectionsAccepted(): number;
  pings(): number;
  pushes(): number;
  acks(): number;
  endpointCalls(): number;
  /** Freeze every current connection: no pongs, no reads, no close — a dead socket. */
  dropSilently(): void;
  /** Close every connection (close frame), as a gateway restart would; the client reconnects. */
  closeConnections(): void;
  close(): Promise<void>;
}

const WS_PATH = '/ws/v2';
const ENDPOINT_PATH = '/callback/ws/endpoint';
const SERVICE_ID = 33554678;

interface Conn {
  ws: WebSocket;
  ready: boolean;
  frozen: boolean;
}

interface Pending {
  resolve: (ack: WsAck) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export function attachWsGateway(host: FakeLarkHooks, opts: WsGatewayOptions = {}): WsGateway {
  const clientConfig: LarkWsClientConfig = {
    PingInterval: 120,
    ReconnectCount: -1,
    ReconnectInterval: 120,
    ReconnectNonce: 30,
    ...opts.clientConfig,
  };
  const openDelayMs = opts.openDelayMs ?? 100;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
  const wss = new WebSocketServer({ noServer: true });
  const conns = new Set<Conn>();
  const tickets = new Set<string>();
  const pending = new Map<string, Pending>();
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const counts = { accepted: 0, pings: 0, pushes: 0, acks: 0, endpoint: 0 };
  let seq = 0;

  const live = () => [...conns].filter((c) => c.ready && !c.frozen && c.ws.readyState === c.ws.OPEN);

  host.use(async (req, res, body) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== ENDPOINT_PATH) return false;
    counts.endpoint++;
    const creds = JSON.parse(body.toString('utf8') || '{}') as { AppID?: string; AppSecret?: string };
    res.setHeader('content-type', 'application/json');
    if (opts.endpointRefusal) {
      res.end(JSON.stringify({ ...opts.endpointRefusal, data: {} }));
      return true;
    }
    if (creds.AppID !== host.appId || creds.AppSecret !== host.appSecret) {
      res.end(JSON.stringify({ code: 514, msg: 'auth failed', data: {} }));
      return true;
    }
    const ticket = randomBytes(8).toString('hex');
    tickets.add(ticket);
    const { host: authority } = new URL(host.baseUrl);
    // The SDK reads device_id/service_id with qs.parse(URL): neither may be the first parameter.
    const url =
      `ws://${authority}${WS_PATH}?fpid=493&aid=552564&device_id=dev_${ticket}` +
      `&access_key=ak_${ticket}&service_id=${SERVICE_ID}&ticket=${ticket}`;
    res.end(JSON.stringify({ code: 0, msg: 'ok', data: { URL: url, ClientConfig: clientConfig } }));
    return true;
  });

  host.onUpgrade((req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== WS_PATH) return;
    if (!tickets.has(url.searchParams.get('ticket') ?? '')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });

  function accept(ws: WebSocket): void {
    const conn: Conn = { ws, ready: false, frozen: false };
    conns.add(conn);
    counts.accepted++;
    ws.on('message', (data: Buffer) => {
      if (!conn.frozen) onFrame(conn, decodeFrame(data));
    });
    ws.on('close', () => conns.delete(conn));
    ws.on('error', () => conns.delete(conn));
    later(openDelayMs, () => {
      conn.ready = true;
      for (const wake of waiters) wake();
    });
  }

  function onFrame(conn: Conn, frame: WsFrame): void {
    const type = headerValue(frame, 'type');
    if (frame.method === FrameMethod.control && type === 'ping') {
      counts.pings++;
      const pong: WsFrame = {
        SeqID: 0,
        LogID: 0,
        service: frame.service,
        method: FrameMethod.control,
        headers: [{ key: 'type', value: 'pong' }],
        payload: Buffer.from(JSON.stringify(clientConfig)),
      };
      conn.ws.send(encodeFrame(pong));
      return;
    }
    if (frame.method !== FrameMethod.data) return;
    const id = headerValue(frame, 'message_id') ?? '';
    const waiting = pending.get(id);
    if (!waiting) return;
    pending.delete(id);
    clearTimeout(waiting.timer);
    counts.acks++;
    waiting.resolve(decodeAck(payloadJson(frame)));
  }

  function later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  }

  function waitForConnection(timeoutMs = 5000): Promise<void> {
    if (live().length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (live().length === 0) return;
        waiters.delete(wake);
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      };
      const timer = later(timeoutMs, () => {
        waiters.delete(wake);
        reject(new Error(`fake Lark: no long connection within ${timeoutMs} ms`));
      });
      waiters.add(wake);
    });
  }

  async function pushEvent(event: object, push: PushOptions = {}): Promise<WsAck> {
    const timeoutMs = push.timeoutMs ?? ackTimeoutMs;
    await waitForConnection(timeoutMs);
    // Cluster mode: Lark hands each event to one connection; the newest live one here, or in turn.
    const n = ++seq;
    const candidates = live();
    const conn = opts.spread ? candidates[n % candidates.length]! : candidates.at(-1)!;
    const messageId = `ws_msg_${n}_${randomBytes(4).toString('hex')}`;
    const bytes = Buffer.from(JSON.stringify(event));
    const parts = Math.max(1, push.fragments ?? 1);
    const size = Math.ceil(bytes.length / parts);
    counts.pushes++;
    const answer = new Promise<WsAck>((resolve, reject) => {
      const timer = later(timeoutMs, () => {
        pending.delete(messageId);
        reject(new Error(`fake Lark: no answer to pushed frame ${messageId} within ${timeoutMs} ms`));
      });
      pending.set(messageId, { resolve, reject, timer });
    });
    for (let i = 0; i < parts; i++) {
      const frame: WsFrame = {
        SeqID: n,
        LogID: n,
        service: SERVICE_ID,
        method: FrameMethod.data,
        headers: [
          { key: 'type', value: push.type ?? 'event' },
          { key: 'message_id', value: messageId },
          { key: 'sum', value: String(parts) },
          { key: 'seq', value: String(i) },
          { key: 'trace_id', value: `trace_${n}` },
        ],
        payload: bytes.subarray(i * size, (i + 1) * size),
      };
      conn.ws.send(encodeFrame(frame));
    }
    return answer;
  }

  return {
    pushEvent,
    waitForConnection,
    connectionCount: () => conns.size,
    connectionsAccepted: () => counts.accepted,
    pings: () => counts.pings,
    pushes: () => counts.pushes,
    acks: () => counts.acks,
    endpointCalls: () => counts.endpoint,
    dropSilently: () => {
      for (const conn of conns) conn.frozen = true;
    },
    closeConnections: () => {
      for (const conn of conns) conn.ws.close(1000, 'gateway restarting');
      conns.clear();
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const p of pending.values()) p.reject(new Error('fake Lark: gateway closed'));
      pending.clear();
      for (const conn of conns) conn.ws.terminate();
      conns.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** `{"code":200,"data":"<base64 JSON>"}` → `{ code: 200, data: <parsed> }`. */
function decodeAck(payload: unknown): WsAck {
  const { code, data } = (payload ?? {}) as { code?: number; data?: string };
  if (typeof data !== 'string') return { code: code ?? 0 };
  const text = Buffer.from(data, 'base64').toString('utf8');
  try {
    return { code: code ?? 0, data: JSON.parse(text) };
  } catch {
    return { code: code ?? 0, data: text };
  }
}
