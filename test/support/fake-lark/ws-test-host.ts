import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FakeLarkHooks } from './ws-gateway.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>;
type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface WsTestHost extends FakeLarkHooks {
  close(): Promise<void>;
}

/**
 * The smallest host for the WS gateway: a node:http server on 127.0.0.1 with FakeLark's
 * `use`/`onUpgrade` hooks and nothing else (unknown routes answer 404).
 */
export async function startWsTestHost(
  appId = 'cli_0123456789abcdef',
  appSecret = 'test-app-secret',
): Promise<WsTestHost> {
  const handlers: Handler[] = [];
  const upgrades: UpgradeHandler[] = [];
  const httpServer: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      for (const handler of handlers) if (await handler(req, res, body)) return;
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"msg":"not found"}');
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    for (const handler of upgrades) handler(req, socket, head);
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    appId,
    appSecret,
    httpServer,
    use: (handler) => void handlers.push(handler),
    onUpgrade: (handler) => void upgrades.push(handler),
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
