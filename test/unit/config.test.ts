import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { LARK_APP_ID: 'cli_a1b2c3d4e5f60718', LARK_APP_SECRET: 's3cret' };

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig(base);
    expect(c.lark.domain).toBe('https://open.feishu.cn');
    expect(c.lark.eventMode).toBe('ws');
    expect(c.dataDir).toBe('./data');
    expect(c.port).toBe(3000);
    expect(c.timeZone).toBe('Asia/Shanghai');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.webhook.maxAgeSeconds).toBe(8 * 3600);
    expect(c.schedules).toEqual({
      file: 'config/schedules.yaml',
      enabled: true,
      holidaysFile: 'config/holidays.yaml',
    });
    expect(c.archive).toEqual({
      configFile: 'config/archive.yaml',
      virusScanCommand: undefined,
      docxToPdfCommand: undefined,
    });
    expect(c.capture.storedReaction).toBe('DONE');
  });

  it('webhook mode ends the age window before the dedupe keys are deleted (a replay would run again), with a warning, and still starts', () => {
    const webhook = {
      ...base,
      LARK_EVENT_MODE: 'webhook',
      LARK_ENCRYPT_KEY: 'k',
      LARK_VERIFICATION_TOKEN: 't',
      RETENTION_DAYS: '1',
    };
    const long = loadConfig({ ...webhook, WEBHOOK_MAX_AGE_SECONDS: String(2 * 86_400) });
    expect(long.webhook.maxAgeSeconds).toBe(86_400 - long.webhook.maxAheadSeconds);
    expect(long.warnings).toEqual([
      expect.stringMatching(
        /^WEBHOOK_MAX_AGE_SECONDS=172800 超过去重记录保存的时间（RETENTION_DAYS=1 天），已按 86100 运行：.*RETENTION_DAYS 改为不少于 3。$/,
      ),
    ]);
    const day = loadConfig({ ...webhook, WEBHOOK_MAX_AGE_SECONDS: '80000' });
    expect([day.webhook.maxAgeSeconds, day.warnings]).toEqual([80_000, []]);
    // The long connection has no age window: nothing to warn of.
    const ws = loadConfig({ ...base, RETENTION_DAYS: '1', WEBHOOK_MAX_AGE_SECONDS: '172800' });
    expect([ws.operations.retentionDays, ws.warnings]).toEqual([1, []]);
  });

  it('STORED_REACTION: an emoji key, or off for none; anything else is refused', () => {
    expect(loadConfig({ ...base, STORED_REACTION: 'THUMBSUP' }).capture.storedReaction).toBe('THUMBSUP');
    expect(loadConfig({ ...base, STORED_REACTION: 'off' }).capture.storedReaction).toBeUndefined();
    expect(() => loadConfig({ ...base, STORED_REACTION: '👍' })).toThrow(/STORED_REACTION/);
  });

  it('TRUST_PROXY: no proxy believed unless set; true is one, a number that many; anything else refused in Chinese', () => {
    expect(loadConfig(base).trustProxyHops).toBe(0);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxyHops).toBe(0);
    expect(loadConfig({ ...base, TRUST_PROXY: 'true' }).trustProxyHops).toBe(1);
    expect(loadConfig({ ...base, TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'yes' })).toThrow(
      /TRUST_PROXY：只能是 0、1、2、3、4、5、false 或 true。前面没有反向代理填 false/,
    );
  });

  it('reads the schedule and archive settings', () => {
    const c = loadConfig({
      ...base,
      SCHEDULES_FILE: '/etc/bot/schedules.yaml',
      SCHEDULER_ENABLED: 'false',
      ARCHIVE_CONFIG: '/etc/bot/archive.yaml',
      VIRUS_SCAN_COMMAND: 'clamscan --no-summary {file}',
    });
    expect(c.schedules).toEqual({
      file: '/etc/bot/schedules.yaml',
      enabled: false,
      holidaysFile: 'config/holidays.yaml',
    });
    expect(c.archive.virusScanCommand).toBe('clamscan --no-summary {file}');
    expect(c.archive.docxToPdfCommand).toBeUndefined();
    const docx = (v: string) => loadConfig({ ...base, DOCX_TO_PDF_COMMAND: v }).archive.docxToPdfCommand;
    expect(docx(' soffice --convert-to pdf --outdir {out} {in} ')).toBe(
      'soffice --convert-to pdf --outdir {out} {in}',
    );
    // Left empty as in .env.example: off.
    expect(docx('  ')).toBeUndefined();
    expect(() => loadConfig({ ...base, SCHEDULER_ENABLED: 'no' })).toThrow(/SCHEDULER_ENABLED/);
  });

  it('lists every missing or bad variable at once, with hints', () => {
    let err: unknown;
    try {
      loadConfig({
        LARK_EVENT_MODE: 'webhook',
        PORT: 'abc',
        TZ: 'Mars/Base',
        LARK_DOMAIN: 'ftp://x',
        DATABASE_URL: 'mysql://x',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const key of [
      'LARK_APP_ID',
      'LARK_APP_SECRET',
      'LARK_ENCRYPT_KEY',
      'LARK_VERIFICATION_TOKEN',
      'PORT',
      'TZ',
      'LARK_DOMAIN',
      'DATABASE_URL',
    ]) {
      expect(problems).toContain(`${key}：`);
    }
    expect(problems).toContain('开发者后台 → 凭证与基础信息');
    expect(String(err)).not.toMatch(/[A-Za-z]+ (is|must|required)\b|Invalid|expected/);
    expect((err as ConfigError).problems.length).toBe(8);
  });

  it('WEBHOOK_MAX_AGE_SECONDS below 8 hours (older .env files) runs at 28800 with a warning, not refused', () => {
    const c = loadConfig({ ...base, WEBHOOK_MAX_AGE_SECONDS: '60' });
    expect(c.webhook.maxAgeSeconds).toBe(28800);
    expect(c.warnings).toEqual([
      expect.stringMatching(/^WEBHOOK_MAX_AGE_SECONDS=60 小于 28800（8 小时），已按 28800 运行/),
    ]);
    expect(loadConfig({ ...base, WEBHOOK_MAX_AGE_SECONDS: '28800' }).warnings).toEqual([]);
    expect(loadConfig({ ...base, WEBHOOK_MAX_AGE_SECONDS: '86400' }).webhook.maxAgeSeconds).toBe(86400);
  });

  it('accepts lark and a base URL as domain, treats empty strings as unset', () => {
    expect(loadConfig({ ...base, LARK_DOMAIN: 'lark' }).lark.domain).toBe('https://open.larksuite.com');
    expect(loadConfig({ ...base, LARK_DOMAIN: 'http://127.0.0.1:9000' }).lark.domain).toBe(
      'http://127.0.0.1:9000',
    );
    expect(loadConfig({ ...base, DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });
});

describe('web page settings', () => {
  it('takes PUBLIC_URL without a trailing slash, a long SESSION_SECRET and SESSION_HOURS', () => {
    const c = loadConfig({
      ...base,
      PUBLIC_URL: 'https://archive.example.gov.cn',
      SESSION_SECRET: 'x'.repeat(32),
      SESSION_HOURS: '8',
    });
    expect(c.web).toEqual({
      publicUrl: 'https://archive.example.gov.cn',
      sessionSecret: 'x'.repeat(32),
      sessionHours: 8,
    });
    expect(loadConfig(base).web).toEqual({
      publicUrl: undefined,
      sessionSecret: undefined,
      sessionHours: 12,
    });
  });

  it('refuses a PUBLIC_URL with a trailing slash or query, and a short SESSION_SECRET, naming each', () => {
    expect(() =>
      loadConfig({ ...base, PUBLIC_URL: 'https://a.example/', SESSION_SECRET: 'short' }),
    ).toThrowError(/PUBLIC_URL：要写 http\(s\) 地址，末尾不带 \/[\s\S]*SESSION_SECRET：至少要 32 个字符/);
    expect(() => loadConfig({ ...base, PUBLIC_URL: 'javascript:alert(1)' })).toThrowError(/PUBLIC_URL/);
    expect(() => loadConfig({ ...base, PUBLIC_URL: 'https://a.example/x?y=1' })).toThrowError(/PUBLIC_URL/);
  });
});
