import { describe, expect, it } from 'vitest';
import type { DoctorLine } from '../../src/ops/doctor.js';
import { FORGED_NOTE, reportWebhookPushes } from '../../src/ops/doctor-pushes.js';

/** The doctor's 飞书推送 line from the running bot's /metrics figures (as doctor.ts parses them). */
const lineOf = (figures: Record<string, number>): DoctorLine[] => {
  const lines: DoctorLine[] = [];
  reportWebhookPushes(
    (status, label, detail) => lines.push({ status, label, detail }),
    new Map(Object.entries(figures)),
  );
  return lines;
};

describe("the doctor's 飞书推送 line", () => {
  it('says nothing before any push', () => {
    expect(lineOf({ 'lark_events_total{result="accepted",source="reconcile"}': 2 })).toEqual([]);
  });

  it('counts the long connection too, and warns of its malformed events', () => {
    const [line] = lineOf({
      'lark_events_total{result="accepted",source="ws"}': 12,
      'lark_events_refused_total{reason="malformed_event"}': 1,
    });
    expect(line!.status).toBe('warn');
    expect(line!.detail).toMatch(/^自启动以来收到飞书推送 12 条（消息和卡片点击），拒绝 1 条：格式不对/);
  });

  it('is ok when pushes arrive and none is refused', () => {
    expect(
      lineOf({
        'lark_events_total{result="accepted",source="webhook"}': 7,
        'lark_events_total{result="duplicate",source="webhook"}': 1,
      }),
    ).toEqual([
      { status: 'ok', label: '飞书推送', detail: '自启动以来收到飞书推送 8 条（消息和卡片点击），没有拒绝' },
    ]);
  });

  it('warns, with the cause, when refusals come beside received pushes (forged requests, scanners, the clock)', () => {
    const [line] = lineOf({
      'lark_events_total{result="accepted",source="webhook"}': 30,
      'lark_events_refused_total{reason="bad_signature"}': 2,
      'lark_events_refused_total{reason="unsigned"}': 3,
      'lark_events_refused_total{reason="malformed_json"}': 1,
      'lark_events_refused_total{reason="stale_timestamp"}': 1,
    });
    expect(line!.status).toBe('warn');
    expect(line!.detail).toBe(
      '自启动以来收到飞书推送 30 条（消息和卡片点击），拒绝 7 条：签名或加密不对 2 条（LARK_ENCRYPT_KEY 要与开发者后台「事件与回调 → 加密策略」的 Encrypt Key 完全一致）；' +
        '时间戳过旧或超前 1 条（本机时间不准：检查时间同步（timedatectl））；' +
        '没有签名 3 条（开发者后台「事件与回调 → 加密策略」没有设置 Encrypt Key 时，飞书的推送都不带签名：设置后填进 LARK_ENCRYPT_KEY；偶尔几条多是网上的扫描请求）；' +
        '格式不对（多是网上的扫描请求） 1 条（日志里搜 webhook request refused（长连接：long-connection event refused）可看时间和原因）' +
        `。${FORGED_NOTE}`,
    );
    // Genuine pushes got through: the key is right, so the bad signatures are someone else's.
    expect(FORGED_NOTE).toContain('有人在伪造飞书的请求');
  });

  it('says nothing of forgery when only the clock or scanners refused', () => {
    const [line] = lineOf({
      'lark_events_total{result="accepted",source="webhook"}': 30,
      'lark_events_refused_total{reason="stale_timestamp"}': 1,
      'lark_events_refused_total{reason="malformed_json"}': 1,
    });
    expect(line!.detail).not.toContain('伪造');
  });

  it('fails when nothing was received and a setting refused the pushes', () => {
    const [line] = lineOf({ 'lark_events_refused_total{reason="bad_token"}': 4 });
    expect(line).toMatchObject({ status: 'fail', label: '飞书推送' });
    expect(line!.detail).toContain('Verification Token 不对 4 条');
  });

  it('only warns when nothing was received but the refusals are scanners', () => {
    expect(lineOf({ 'lark_events_refused_total{reason="malformed_json"}': 9 })[0]!.status).toBe('warn');
  });

  // An app with no Encrypt Key in the developer console: Lark signs nothing, every push is refused
  // 「unsigned」, and the line called them scanners' requests.
  it('names the missing Encrypt Key when every push came unsigned', () => {
    const [line] = lineOf({ 'lark_events_refused_total{reason="unsigned"}': 9 });
    expect(line!.status).toBe('warn');
    expect(line!.detail).toContain('没有设置 Encrypt Key 时，飞书的推送都不带签名');
  });
});
