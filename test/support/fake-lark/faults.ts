import { setTimeout as sleep } from 'node:timers/promises';
import type { RouteContext } from './context.js';
import type { Fault, Injection, RateLimitRule, RecordedCall } from './types.js';

const matches = (rule: { method?: string; path: string | RegExp }, call: RecordedCall): boolean => {
  if (rule.method && rule.method.toUpperCase() !== call.method) return false;
  return typeof rule.path === 'string' ? rule.path === call.path : rule.path.test(call.path);
};

/** Injected faults and enforced rate limits. */
export class Faults {
  private injections: { rule: Injection; left: number }[] = [];
  private limits: { rule: RateLimitRule; windows: Map<string, number[]> }[] = [];
  /** Requests refused by an enforced rate limit (a benchmark asserts this stays 0). */
  rateLimited = 0;

  inject(rule: Injection): void {
    this.injections.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
  }

  enforceRateLimit(rule: RateLimitRule): void {
    this.limits.push({ rule, windows: new Map() });
  }

  clear(): void {
    this.injections = [];
    this.limits = [];
    this.rateLimited = 0;
  }

  /** Consumes and returns the first matching injected fault. */
  take(call: RecordedCall): Fault | undefined {
    const hit = this.injections.find((i) => i.left > 0 && matches(i.rule, call));
    if (!hit) return undefined;
    hit.left--;
    return hit.rule.fault;
  }

  /** Sliding one-second windows; returns the rule that refuses this call, if any. */
  checkRateLimit(call: RecordedCall): RateLimitRule | undefined {
    for (const { rule, windows } of this.limits) {
      if (!matches(rule, call)) continue;
      const key = rule.keyBy ? rule.keyBy(call) : '';
      const recent = (windows.get(key) ?? []).filter((t) => call.time - t < 1000);
      if (recent.length >= rule.perSecond) {
        windows.set(key, recent);
        this.rateLimited++;
        return rule;
      }
      recent.push(call.time);
      windows.set(key, recent);
    }
    return undefined;
  }
}

export const rateLimitHeaders = (resetSeconds: number) => ({
  'x-ogw-ratelimit-limit': '50',
  'x-ogw-ratelimit-reset': String(resetSeconds),
});

/** Returns true when the fault answered the request itself. */
export const applyFault = async (ctx: RouteContext, fault: Fault): Promise<boolean> => {
  if ('delayMs' in fault) {
    await sleep(fault.delayMs);
    return false;
  }
  if ('until' in fault) {
    await fault.until.catch(() => undefined);
    return false;
  }
  if ('dropResponse' in fault) {
    ctx.dropResponse = true;
    return false;
  }
  if ('reset' in fault) {
    ctx.res.socket?.destroy();
    return true;
  }
  if ('stallAfterBytes' in fault) {
    ctx.stallAfterBytes = fault.stallAfterBytes;
    return false;
  }
  if ('truncateAfterBytes' in fault) {
    ctx.truncateAfterBytes = fault.truncateAfterBytes;
    return false;
  }
  if ('code' in fault) {
    ctx.fail(fault.code, fault.msg ?? `fake-lark injected code ${fault.code}`, fault.status ?? 400);
  } else if (fault.status === 429) {
    ctx.fail(99991400, 'request trigger frequency limit', 429, rateLimitHeaders(fault.resetSeconds));
  } else {
    const text = Buffer.from(`<html><body>${fault.status} injected by fake-lark</body></html>`);
    ctx.send(fault.status, { 'Content-Type': 'text/html' }, text);
  }
  return true;
};
