import { describe, expect, it } from 'vitest';
import { commandVirusScanner } from '../../src/archive/virus-scan.js';
import { libpqConnection, toolEnvironment } from '../../src/child-environment.js';

describe('what external programs see of the environment', () => {
  it('a tool gets PATH, home and locale, never the secrets of the bot', () => {
    const env = toolEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/bot',
      LANG: 'zh_CN.UTF-8',
      LC_ALL: 'zh_CN.UTF-8',
      LARK_APP_SECRET: 's3cr3t',
      S3_SECRET_ACCESS_KEY: 'k',
      DATABASE_URL: 'postgres://u:p@h/db',
      LARK_ENCRYPT_KEY: 'e',
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/bot', LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8' });
  });

  it('a real scanner process runs without the Lark secret or the database URL in its environment', async () => {
    const saved = { ...process.env };
    process.env.LARK_APP_SECRET = 'visible-if-leaked';
    process.env.DATABASE_URL = 'postgres://u:p@127.0.0.1/db';
    try {
      // Exit 1 (the scanner's "infected") when either is visible, 0 when neither is.
      const scan = commandVirusScanner(
        `test -z "$LARK_APP_SECRET$DATABASE_URL" && test -n "$PATH" && test -f {file}`,
      );
      const result = await scan(new URL(import.meta.url).pathname);
      expect(result.verdict).toBe('clean');
    } finally {
      process.env = saved;
    }
  });

  it('pg_dump and pg_restore get the password through PGPASSWORD, not on their command line', () => {
    const conn = libpqConnection('postgres://archive:p%40ss%20word@db.example:5433/archive?sslmode=require');
    expect(conn.dbname).toBe('postgres://archive@db.example:5433/archive?sslmode=require');
    expect(conn.env.PGPASSWORD).toBe('p@ss word');
    const none = libpqConnection('postgres://postgres@127.0.0.1:5432/test');
    expect(none.dbname).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(none.env.PGPASSWORD).toBeUndefined();
  });
});
