import type { Config } from '../config.js';
import { LarkApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Clock } from '../ports/clock.js';
import { LarkChatGateway } from './chat-gateway.js';
import { createLarkClient, type LarkClient } from './client.js';
import { CREDENTIAL_REFUSAL_CODES } from './lark-call.js';
import { CONTACT_USER_GET } from './lark-directory.js';
import type { PacingSlots } from './shared-pacer.js';

/** The SDK client and the chat gateway over it, as the composition root needs them. */
export function createLarkGateway(
  config: Config,
  deps: {
    logger: Logger;
    metrics: Metrics;
    clock: Clock;
    installId?: string;
    /** Several instances on one PostgreSQL: Lark's limits kept there for all of them (unset: this process). */
    pacingSlots?: PacingSlots;
  },
): {
  client: LarkClient;
  gateway: LarkChatGateway;
  /** The last time Lark refused our credentials or a scope (any API), for the operations alert. */
  lastRefusal: () => { api: string; code: number; at: Date } | undefined;
  /**
   * Lark refuses the app's credentials (App Secret reset, app disabled, IP not allowed) and no call has
   * succeeded since: /readyz answers lark_refused. Undefined once a call started after the refusal
   * succeeds (not one in flight across it, which may have carried a token issued before the reset).
   */
  credentialsRefused: () => { api: string; code: number } | undefined;
} {
  const client = createLarkClient(config.lark, { logger: deps.logger });
  let last: { api: string; code: number; at: Date } | undefined;
  let refused: { api: string; code: number; at: number } | undefined;
  const gateway = new LarkChatGateway(
    { client, logger: deps.logger, metrics: deps.metrics, clock: deps.clock },
    {
      perApiPerSecond: config.lark.perApiPerSecond,
      perApiPerMinute: config.lark.perApiPerMinute,
      ...(deps.installId ? { installId: deps.installId } : {}),
      ...(deps.pacingSlots ? { pacingSlots: deps.pacingSlots } : {}),
      onAnswered: (_api: string, startedAt: number) => {
        if (refused && startedAt > refused.at) refused = undefined;
      },
      onRefused: (api: string, code: number) => {
        if (CREDENTIAL_REFUSAL_CODES.has(code)) refused = { api, code, at: performance.now() };
        // A person's name without the contact scope is an optional setup gap with its own one-time
        // notice (learnPersonName: contact_scope), not a refusal that raises and clears every hour.
        if (api === CONTACT_USER_GET && new LarkApiError(code, api).isScopeRefused) return;
        last = { api, code, at: deps.clock.now() };
      },
    },
  );
  return {
    client,
    gateway,
    lastRefusal: () => last,
    credentialsRefused: () => refused && { api: refused.api, code: refused.code },
  };
}
