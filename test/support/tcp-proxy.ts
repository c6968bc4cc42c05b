import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** 127.0.0.1 port that forwards to the target. */
  port: number;
  /**
   * An outage that hangs rather than refuses (a cut cable, a dead host): open connections are dropped
   * and new ones are accepted but never answered.
   */
  blackhole(): void;
  /** Forwarding again (new connections reach the target). */
  restore(): void;
  close(): Promise<void>;
}

/** A small TCP forwarder to cut a database connection in a test. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let cut = false;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server: Server = createServer((client) => {
    track(client);
    if (cut) return; // held open, never answered
    const upstream = createConnection(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    blackhole: () => {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      cut = false;
      for (const s of sockets) s.destroy(); // the held ones: their clients reconnect
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
