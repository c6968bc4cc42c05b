/**
 * Why the bot refuses Lark's pushes (the `reason` of `lark_events_refused_total`, from
 * lark/webhook-intake.ts and, for malformed events and a database out of time, lark/ws-intake.ts), grouped by what the county IT person can do about it. `setting`: the push
 * came from Lark and a setting of this machine refused it (a wrong Encrypt Key refuses every push with
 * 401, and the bot hears nothing from any chat).
 */
export interface PushRefusalCause {
  reasons: readonly string[];
  what: string;
  hint: string;
  setting: boolean;
  /** Someone without the key could send it: beside genuine pushes, it points at forged requests. */
  forgeable?: boolean;
}

export const PUSH_REFUSAL_CAUSES: readonly PushRefusalCause[] = [
  {
    reasons: ['bad_signature', 'decrypt_failed'],
    what: '签名或加密不对',
    forgeable: true,
    hint: 'LARK_ENCRYPT_KEY 要与开发者后台「事件与回调 → 加密策略」的 Encrypt Key 完全一致',
    setting: true,
  },
  {
    reasons: ['bad_token'],
    what: 'Verification Token 不对',
    forgeable: true,
    hint: 'LARK_VERIFICATION_TOKEN 要与「加密策略」的 Verification Token 完全一致',
    setting: true,
  },
  {
    reasons: ['wrong_app_id'],
    what: '来自别的应用',
    forgeable: true,
    hint: '另一个应用的请求网址填成了本机器人的地址，或 LARK_APP_ID 填错了',
    setting: true,
  },
  {
    reasons: ['stale_timestamp', 'future_timestamp'],
    what: '时间戳过旧或超前',
    hint: '本机时间不准：检查时间同步（timedatectl）',
    setting: true,
  },
  {
    reasons: ['database_unavailable'],
    what: '数据库忙或连不上，飞书会重发',
    hint: '看上面的数据库一行',
    setting: false,
  },
  {
    // Lark signs its pushes only when the app has an Encrypt Key: without one every push is unsigned.
    reasons: ['unsigned'],
    what: '没有签名',
    hint: '开发者后台「事件与回调 → 加密策略」没有设置 Encrypt Key 时，飞书的推送都不带签名：设置后填进 LARK_ENCRYPT_KEY；偶尔几条多是网上的扫描请求',
    setting: false,
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
    hint: '日志里搜 webhook request refused（长连接：long-connection event refused）可看时间和原因',
    setting: false,
  },
];

/** The reasons a setting of this machine refused a genuine push for. */
export const SETTING_REFUSALS: readonly string[] = PUSH_REFUSAL_CAUSES.filter((c) => c.setting).flatMap(
  (c) => c.reasons,
);
