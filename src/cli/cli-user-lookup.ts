import { ConfigError, loadConfig, type Env } from '../config.js';
import { DomainError } from '../errors.js';
import { createLarkGateway } from '../lark/create-gateway.js';
import { silentLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { systemClock } from '../ports/clock.js';
import type { UserLookup } from '../ports/user-lookup.js';

/**
 * Lark's user lookup for a command-line import, built only when a file names people by mobile or
 * email (other imports need no Lark credentials). Reads the same LARK_* settings as the bot.
 */
export function cliUserLookup(env: Env): UserLookup {
  let lookup: UserLookup | undefined;
  return {
    findOpenIds: (input) => {
      if (!lookup) {
        let config;
        try {
          config = loadConfig(env);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          throw new DomainError(
            'people_lookup_unavailable',
            `按手机号或邮箱认人要调用飞书接口，但配置不全:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`,
          );
        }
        lookup = createLarkGateway(config, {
          logger: silentLogger(),
          metrics: new Metrics(),
          clock: systemClock,
        }).gateway;
      }
      return lookup.findOpenIds(input);
    },
  };
}
