/** What the bench runs, shared by the parent (bench/intake.ts) and the server process. */
export type Variant = 'bare' | 'insert' | 'intake';
export type DbKind = 'none' | 'pglite' | 'postgres';

export const isVariant = (v: unknown): v is Variant => v === 'bare' || v === 'insert' || v === 'intake';
export const isDbKind = (v: unknown): v is DbKind => v === 'none' || v === 'pglite' || v === 'postgres';

/** The Config the intake runs with (loadConfig input); the parent signs with the same key and token. */
export const BENCH_ENV = {
  LARK_APP_ID: 'cli_a1b2c3d4e5f60718',
  LARK_APP_SECRET: 'x',
  LARK_EVENT_MODE: 'webhook',
  LARK_ENCRYPT_KEY: 'bench-key',
  LARK_VERIFICATION_TOKEN: 'bench-token',
  LOG_LEVEL: 'silent',
} as const;
