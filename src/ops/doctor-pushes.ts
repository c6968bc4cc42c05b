import type { DoctorLine } from './doctor.js';

/**
 * Why the bot refused Lark's webhook pushes (`lark_events_refused_total{reason}`, webhook-intake.ts),
 * grouped by what the county IT person can do about it. A wrong Encrypt Key refuses every push with
 * 401: the bot hears nothing and nothing else says why.
 */
const CAUSES: { reasons: string[]; what: string; hint: string; setup: boolean }[] = [
  {
    reasons: ['bad_signature', 'decrypt_failed'],
    what: '签名或加密不对',
    hint: 'LARK_ENCRYPT_KEY 要与开发者后台「事件与回调 → 加密策略」的 Encrypt Key 完全一致',
    setup: true,
  },
  {
    reasons: ['bad_token'],
    what: 'Verification Token 不对',
    hint: 'LARK_VERIFICATION_TOKEN 要与「加密策略」的 Verification Token 完全一致',
    setup: true,
  },
  {
    reasons: ['wrong_app_id'],
    what: '来自别的应用',
    hint: '另一个应用的请求网址填成了本机器人的地址，或 LARK_APP_ID 填错了',
    setup: true,
  },
  {
    reasons: ['stale_timestamp', 'future_timestamp'],
    what: '时间戳过旧或超前',
    hint: '本机时间不准：检查时间同步（timedatectl）',
    setup: true,
  },
  {
    reasons: ['database_unavailable'],
    what: '数据库忙或连不上，飞书会重发',
    hint: '看上面的数据库一行',
    setup: false,
  },
  {
    // Lark signs its pushes only when the app has an Encrypt Key: without one every push is unsigned.
    reasons: ['unsigned'],
    what: '没有签名',
    hint: '开发者后台「事件与回调 → 加密策略」没有设置 Encrypt Key 时，飞书的推送都不带签名：设置后填进 LARK_ENCRYPT_KEY；偶尔几条多是网上的扫描请求',
    setup: false,
  },
  {
    reasons: [
      'malformed_json',
      'malformed_event',
      'malformed_challenge',
      'unsupported_schema',
      'body_too_large',
    ],
    what: '格式不对（多是网上的扫描请求）',
    hint: '日志里搜 webhook request refused 可看时间和原因',
    setup: false,
  },
];

const sumOf = (m: Map<string, number>, name: string, match: (labels: string) => boolean): number => {
  let n = 0;
  for (const [k, v] of m) {
    const at = k.indexOf('{');
    if ((at < 0 ? k : k.slice(0, at)) === name && match(at < 0 ? '' : k.slice(at))) n += v;
  }
  return n;
};

/**
 * The running bot's webhook pushes since it started: received, and refused by cause. Every push
 * refused for a setting (none received) fails with the setting to fix; refusals besides received
 * pushes (a key just changed, forged requests, the clock) warn. Silent in long-connection mode.
 */
export function reportWebhookPushes(
  add: (status: DoctorLine['status'], label: string, detail: string) => void,
  m: Map<string, number>,
): void {
  const received = sumOf(m, 'lark_events_total', (l) => l.includes('source="webhook"'));
  const refused = CAUSES.map((c) => ({
    ...c,
    n: sumOf(m, 'lark_events_refused_total', (l) => c.reasons.some((r) => l.includes(`reason="${r}"`))),
  })).filter((c) => c.n > 0);
  if (received === 0 && refused.length === 0) return;
  const head = `自启动以来收到飞书推送 ${received} 条`;
  if (refused.length === 0) {
    add('ok', '飞书推送', `${head}，没有拒绝`);
    return;
  }
  const setupOnly = received === 0 && refused.some((c) => c.setup);
  add(
    setupOnly ? 'fail' : 'warn',
    '飞书推送',
    `${head}，拒绝 ${refused.reduce((a, c) => a + c.n, 0)} 条：` +
      refused.map((c) => `${c.what} ${c.n} 条（${c.hint}）`).join('；'),
  );
}
