import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { createLogger } from '../../src/logger.js';
import { redactValue, scrubText, serializeError } from '../../src/log-redaction.js';

describe('log redaction', () => {
  it('replaces content and credential keys at any depth', () => {
    const v = redactValue({
      a: { b: { c: { d: { headers: { Authorization: 'Bearer x' }, text: '说明', id: 7 } } } },
    });
    expect(JSON.stringify(v)).not.toContain('说明');
    expect(JSON.stringify(v)).not.toContain('Bearer x');
    expect(v).toMatchObject({ a: { b: { c: { d: { id: 7 } } } } });
  });

  it('keeps an error stack but not drizzle params, axios config or a cause’s detail', () => {
    const cause = Object.assign(new Error('duplicate key'), {
      detail: 'Key (text)=(说明) exists',
      code: '23505',
    });
    const err = new DrizzleQueryError(
      'insert into t values ($1)',
      ['说明', 't-secrettoken0123456789abc'],
      cause,
    );
    const s = JSON.stringify(serializeError(err));
    expect(s).not.toContain('说明');
    expect(s).not.toContain('secrettoken');
    expect(s).toContain('insert into t');
    expect(s).toContain('23505');
    expect(s).toMatch(/\\n\s+at /);
    const axiosLike = Object.assign(new Error('socket hang up'), {
      config: { headers: { Authorization: 'Bearer t-abc' }, data: '{"app_secret":"s"}' },
    });
    expect(JSON.stringify(serializeError(axiosLike))).not.toMatch(/Bearer t-abc|app_secret/);
  });

  it('scrubs token shapes, URL queries, JSON.parse echoes and the SDK ws data dump from text', () => {
    expect(scrubText('Authorization: Bearer t-g1044abcdefghijklmnop')).not.toContain('g1044');
    expect(scrubText('wss://x.test/ws?ticket=abc&access_key=k')).toBe('wss://x.test/ws?[redacted]');
    expect(scrubText(`Unexpected token 'x', "说明文字" is not valid JSON`)).not.toContain('说明');
    expect(scrubText('receive message, message_id: om_1; data: {"text":"说明"}')).not.toContain('说明');
  });

  it('a logger never prints configured secret values, even inside a message string', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('info', sink, { secrets: ['my-app-secret-value'] });
    log.info(`secret is my-app-secret-value`);
    log.info({ nested: { deeper: [{ token: 'x', ok: 1 }] } }, 'nested');
    expect(lines.join('')).not.toContain('my-app-secret-value');
    expect(JSON.parse(lines[1]!).nested.deeper[0]).toEqual({ token: '[redacted]', ok: 1 });
  });
});
