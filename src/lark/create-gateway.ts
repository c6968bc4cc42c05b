import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';
import { LarkChatGateway } from './chat-gateway.js';
import { createLarkClient, type LarkClient } from './client.js';

/** The SDK client and the chat gateway over it, as the composition root needs them. */
export function createLarkGateway(
  config: Config,
  deps: { logger: Logger; metrics: Metrics; clock: Clock; installId?: string },
): { client: LarkClient; gateway: LarkChatGateway } {
  const client = createLarkClient(config.lark, { logger: deps.logger });
  const gateway = new LarkChatGateway(
    { client, ...deps },
    {
      perApiPerSecond: config.lark.perApiPerSecond,
      perApiPerMinute: config.lark.perApiPerMinute,
      ...(deps.installId ? { installId: deps.installId } : {}),
    },
  );
  return { client, gateway };
}
