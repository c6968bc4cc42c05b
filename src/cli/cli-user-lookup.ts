import { ConfigError, loadConfig, type Env } from '../config.js';
import { DomainError, LarkApiError, LarkNetworkError } from '../errors.js';
import { createLarkGateway } from '../lark/create-gateway.js';
import { REFUSAL_CODES } from '../lark/lark-call.js';
import { silentLogger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { systemClock } from '../ports/clock.js';
import type { UserLookup } from '../ports/user-lookup.js';

/**
 * Lark's user lookup for a command-line import, built only when a file names people by mobile or
 * email (other imports need no Lark credentials). Reads the same LARK_* settings as the bot. A Lark
 * that cannot be reached or refuses the lookup is one plain line for the IT person (nothing is
 * imported then: the lookup comes before any write).
 */
export function cliUserLookup(env: Env): UserLookup {
  let lookup: UserLookup | undefined;
  let domain = '';
  return {
    findOpenIds: async (input) => {
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
        domain = config.lark.domain;
        lookup = createLarkGateway(config, {
          logger: silentLogger(),
          metrics: new Metrics(),
          clock: systemClock,
        }).gateway;
      }
      try {
        return await lookup.findOpenIds(input);
      } catch (err) {
        throw lookupFailure(err, domain);
      }
    },
  };
}

/** Why Lark did not answer the lookup, for the IT person: refused (scope, credentials) or not reached. */
function lookupFailure(err: unknown, domain: string): unknown {
  if (err instanceof LarkApiError && REFUSAL_CODES.has(err.larkCode))
    return new DomainError(
      'people_lookup_refused',
      `飞书拒绝了按手机号或邮箱认人（错误码 ${err.larkCode}），没有导入任何人：请在开发者后台为应用开通权限 contact:user.id:readonly 并发布版本（通讯录权限范围要包含这些人），再检查 LARK_APP_ID / LARK_APP_SECRET`,
      { cause: err },
    );
  if (!(err instanceof LarkNetworkError || (err instanceof LarkApiError && err.isRetryable))) return err;
  return new DomainError(
    'people_lookup_unreachable',
    `连不上飞书（${domain}），按手机号或邮箱认人没有做成，没有导入任何人：请检查这台服务器能否访问飞书，或在表里用 open_id 列代替手机号/邮箱`,
    { cause: err },
  );
}
