import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ChatGateway } from '../ports/chat-gateway.js';
import type { Clock } from '../ports/clock.js';

/** What most use cases receive (each takes only the fields it uses). */
export interface BotDeps {
  db: Db;
  gateway: ChatGateway;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The bot's own open_id (cached by the gateway), to tell whether a message @mentions it. */
  botOpenId: () => Promise<string | undefined>;
  /** The web page URL of a path ('/items/3') when PUBLIC_URL is set; cards link to it then. */
  pageUrl?: (path: string) => string | undefined;
  /** The configured time zone (TZ), for days and times said in messages (「12月6日」). */
  timeZone: string;
}
