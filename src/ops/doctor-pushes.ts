import { PUSH_REFUSAL_CAUSES } from '../domain/push-refusal-causes.js';
import type { DoctorLine } from './doctor.js';

/** Said when key, token or app id refusals come beside genuine pushes. */
export const FORGED_NOTE =
  '同时收到了正常推送，说明这几项设置是对的：这些被拒绝的多是有人在伪造飞书的请求（或密钥刚换过），' +
  '已全部拒收，不会记录；日志里搜 webhook request refused 可看时间和来源地址';

const sumOf = (m: Map<string, number>, name: string, match: (labels: string) => boolean): number => {
  let n = 0;
  for (const [k, v] of m) {
    const at = k.indexOf('{');
    if ((at < 0 ? k : k.slice(0, at)) === name && match(at < 0 ? '' : k.slice(at))) n += v;
  }
  return n;
};

/**
 * The running bot's pushes from Lark since it started (webhook, or the long connection): received, and
 * refused by cause. Every push refused for a setting (none received) fails with the setting to fix;
 * refusals besides received pushes (a key just changed, forged requests, the clock, a malformed
 * long-connection event) warn. Silent while nothing came.
 */
export function reportWebhookPushes(
  add: (status: DoctorLine['status'], label: string, detail: string) => void,
  m: Map<string, number>,
): void {
  // Card taps come by the same URL and key.
  const received =
    sumOf(m, 'lark_events_total', (l) => l.includes('source="webhook"') || l.includes('source="ws"')) +
    sumOf(m, 'card_actions_total', () => true);
  const refused = PUSH_REFUSAL_CAUSES.map((c) => ({
    ...c,
    n: sumOf(m, 'lark_events_refused_total', (l) => c.reasons.some((r) => l.includes(`reason="${r}"`))),
  })).filter((c) => c.n > 0);
  if (received === 0 && refused.length === 0) return;
  const head = `自启动以来收到飞书推送 ${received} 条（消息和卡片点击）`;
  if (refused.length === 0) {
    add('ok', '飞书推送', `${head}，没有拒绝`);
    return;
  }
  const setupOnly = received === 0 && refused.some((c) => c.setting);
  // Genuine pushes got through, so the settings are right: requests that fail the key, the token or
  // the app id beside them come from someone without the key (or from before a key change).
  const forged = received > 0 && refused.some((c) => c.forgeable);
  add(
    setupOnly ? 'fail' : 'warn',
    '飞书推送',
    `${head}，拒绝 ${refused.reduce((a, c) => a + c.n, 0)} 条：` +
      refused.map((c) => `${c.what} ${c.n} 条（${c.hint}）`).join('；') +
      (forged ? `。${FORGED_NOTE}` : ''),
  );
}
