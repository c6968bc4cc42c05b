import type { Config } from '../../src/config.js';
import { LarkChatGateway, type LarkChatGatewayOptions } from '../../src/lark/chat-gateway.js';
import { createLarkClient } from '../../src/lark/client.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { systemClock, type Clock } from '../../src/ports/clock.js';
import type { FakeLark } from './fake-lark/server.js';

/**
 * The real chat gateway (SDK client, limits, retries) against the fake Lark, with its own metrics; its
 * caches keep `clock`'s time (a test clock moves them on).
 */
export function gatewayFor(
  fake: FakeLark,
  options: LarkChatGatewayOptions = {},
  lark: Partial<Config['lark']> = {},
  clock: Clock = systemClock,
): { gateway: LarkChatGateway; metrics: Metrics } {
  const config: Config['lark'] = {
    appId: fake.appId,
    appSecret: fake.appSecret,
    domain: fake.baseUrl,
    perApiPerSecond: 40,
    perApiPerMinute: 900,
    eventMode: 'ws',
    httpTimeoutMs: 5000,
    ...lark,
    wsPingTimeoutSeconds: 30,
    wsSilenceAlertMinutes: 60,
  };
  const metrics = new Metrics();
  const client = createLarkClient(config, { logger: silentLogger() });
  const gateway = new LarkChatGateway({ client, metrics, logger: silentLogger(), clock }, options);
  return { gateway, metrics };
}
