import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../src/bot.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDb } from '../../src/db/client.js';
import { seededDataDir } from '../support/data-dir.js';
import { startFakeLark, type FakeLark } from '../support/fake-lark/server.js';
import { attachWsGateway, type WsGateway, type WsGatewayOptions } from '../support/fake-lark/ws-gateway.js';

/** A failed start stops everything it started: workers, server, timers, the embedded database. */
describe('a start that fails half-way', () => {
  let fake: FakeLark;
  let gw: WsGateway;
  let dataDir: string;
  let config: Config;
  const gatewayOptions: WsGatewayOptions = {
    clientConfig: { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 0.2, ReconnectNonce: 0 },
    endpointRefusal: { code: 403, msg: 'forbidden' },
  };
  beforeAll(async () => {
    fake = await startFakeLark();
    gw = attachWsGateway(fake, gatewayOptions);
    dataDir = await seededDataDir('failed-start');
    config = loadConfig({
      LARK_APP_ID: fake.appId,
      LARK_APP_SECRET: fake.appSecret,
      LARK_DOMAIN: fake.baseUrl,
      LARK_EVENT_MODE: 'ws',
      LARK_HTTP_TIMEOUT_MS: '5000',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      RECONCILE_INTERVAL_MINUTES: '0',
      ALERT_CHECK_MINUTES: '0',
    });
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Lark refusing the long connection rejects startBot and leaves nothing running', async () => {
    const lines: Array<{ msg: string; table?: string }> = [];
    const logDestination = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    await expect(startBot({ ...config, logLevel: 'debug' }, { logDestination })).rejects.toThrow(
      /飞书拒绝了长连接（.*code=403/,
    );
    // Both workers had started before the long connection: they were stopped.
    expect(
      lines
        .filter((l) => l.msg === 'queue worker stopped')
        .map((l) => l.table)
        .sort(),
    ).toEqual(['inbound_events', 'jobs']);
    // The workers and the server are stopped and the database closed: its folder lock is released.
    const again = await openDb({ dataDir });
    await again.close();

    // Once Lark accepts, the same folder starts normally.
    gatewayOptions.endpointRefusal = undefined;
    const bot = await startBot(config);
    try {
      await gw.waitForConnection();
      expect(bot.ws?.connected()).toBe(true);
    } finally {
      await bot.stop();
    }
  });
});
