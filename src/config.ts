import { z } from 'zod';
import { isLarkAppId, LARK_APP_ID_RULE } from './lark/app-id.js';

/** Where an operator finds each value; shown next to every error. */
const HINTS: Record<string, string> = {
  LARK_APP_ID: 'copy it from 开发者后台 → 凭证与基础信息 (App ID, starts with cli_)',
  LARK_APP_SECRET: 'copy it from 开发者后台 → 凭证与基础信息 (App Secret)',
  LARK_DOMAIN:
    'use feishu (open.feishu.cn), lark (open.larksuite.com) or a base URL such as http://127.0.0.1:9000',
  LARK_EVENT_MODE: 'use ws (long connection, no public URL needed) or webhook',
  LARK_ENCRYPT_KEY: 'copy it from 开发者后台 → 事件与回调 → 加密策略 (Encrypt Key); required in webhook mode',
  LARK_VERIFICATION_TOKEN:
    'copy it from 开发者后台 → 事件与回调 → 加密策略 (Verification Token); required in webhook mode',
  DATABASE_URL:
    'a PostgreSQL URL such as postgres://user:pass@host:5432/db; leave unset to use embedded PGlite',
  DATA_DIR: 'a writable folder for the embedded database and stored files',
  PORT: 'a TCP port between 0 and 65535',
  WEBHOOK_MAX_AGE_SECONDS:
    'Lark retries a push for about 7 hours; a shorter window refuses those retries and their messages are lost',
  HOST: 'an address to listen on, e.g. 0.0.0.0 or 127.0.0.1',
  LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
  TZ: 'an IANA time zone such as Asia/Shanghai',
  PUBLIC_URL:
    'the address people open the web pages at, e.g. https://archive.example.gov.cn (no trailing slash); also 网页应用 → 主页 and 重定向 URL',
  SESSION_SECRET:
    'at least 32 random characters; leave unset to have one generated in DATA_DIR/session-secret',
  BLOB_STORE: 'local (files under DATA_DIR/files) or s3 (an S3-compatible bucket: MinIO, Ceph RGW, OSS, OBS)',
  S3_ENDPOINT: 'the object store URL such as https://minio.example.gov.cn:9000; unset for AWS S3',
  S3_BUCKET: 'an existing bucket name (lower-case letters, digits, dots and hyphens)',
  S3_ACCESS_KEY_ID: 'the access key the object store issued for this bot; required when BLOB_STORE=s3',
  S3_SECRET_ACCESS_KEY: 'the secret key paired with S3_ACCESS_KEY_ID; required when BLOB_STORE=s3',
  S3_PREFIX: 'a folder inside the bucket such as archive/ (letters, digits, . _ - and /)',
  OPS_CHAT_ID:
    'the operations chat (add the bot to it; `npm run cli -- chats list` shows its id); unset: admins get alerts by direct message',
};

const intFrom = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

export const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** What the bot and every command-line tool read: the database, the data folder, time zone, settings files. */
const baseSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
      'must start with postgres:// or postgresql://',
    ),
  DATA_DIR: z.string().min(1).default('./data'),
  TZ: z.string().default('Asia/Shanghai').refine(isTimeZone, 'is not a known time zone'),
  SCHEDULES_FILE: z.string().min(1).default('config/schedules.yaml'),
  SCHEDULER_ENABLED: z.enum(['true', 'false']).default('true'),
  ARCHIVE_CONFIG: z.string().min(1).default('config/archive.yaml'),
  VIRUS_SCAN_COMMAND: z.string().optional(),
  DOCX_TO_PDF_COMMAND: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  BLOB_STORE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z
    .string()
    .regex(
      /^https?:\/\/[^/\s?#]+\/?$/,
      'must be an http(s) URL with no path, such as https://minio.example:9000',
    )
    .optional(),
  S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be a region name such as us-east-1 or cn-north-1')
    .default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be a bucket name (3-63 lower-case letters, digits, . and -)',
    )
    .optional(),
  S3_PREFIX: z
    .string()
    .regex(
      /^([A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\/?$/,
      'must be a folder path such as archive/',
    )
    .optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  S3_TIMEOUT_SECONDS: intFrom(10, 1, 600),
  // Read by command-line tools too: how `storage migrate` asks whether the bot is running.
  PORT: intFrom(3000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  WORKER_LEASE_SECONDS: intFrom(300, 5),
});

const schema = baseSchema.extend({
  LARK_APP_ID: z.string().refine(isLarkAppId, LARK_APP_ID_RULE),
  LARK_APP_SECRET: z.string().min(1, 'is required'),
  LARK_DOMAIN: z
    .string()
    .default('feishu')
    .refine(
      (v) => v === 'feishu' || v === 'lark' || /^https?:\/\/[^/]+[^/]$/.test(v),
      'must be feishu, lark or a base URL without a trailing slash',
    ),
  LARK_EVENT_MODE: z.enum(['ws', 'webhook']).default('ws'),
  LARK_ENCRYPT_KEY: z.string().optional(),
  LARK_VERIFICATION_TOKEN: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Lark retries a push it got no 200 for during about 7 hours: a shorter window refuses those retries
  // (401) and their messages are never recorded.
  WEBHOOK_MAX_AGE_SECONDS: intFrom(8 * 3600, 8 * 3600),
  WEBHOOK_MAX_AHEAD_SECONDS: intFrom(300, 0),
  WEBHOOK_BODY_LIMIT_BYTES: intFrom(1024 * 1024, 1024),
  DATABASE_STATEMENT_TIMEOUT_SECONDS: intFrom(60, 0, 86_400),
  DATABASE_POOL_SIZE: intFrom(10, 1, 200),
  WORKER_CONCURRENCY: intFrom(4, 1, 64),
  WORKER_MAX_ATTEMPTS: intFrom(8, 1, 100),
  RESOURCE_RECHECK_SECONDS: intFrom(30, 1, 3600),
  WS_PING_TIMEOUT_SECONDS: intFrom(30, 1),
  WS_SILENCE_ALERT_MINUTES: intFrom(60, 1),
  LARK_HTTP_TIMEOUT_MS: intFrom(15_000, 100),
  JOB_CONCURRENCY: intFrom(16, 1, 128),
  LARK_API_PER_SECOND: intFrom(46, 1, 1000),
  LARK_API_PER_MINUTE: intFrom(900, 1, 100_000),
  BURST_QUIET_SECONDS: intFrom(20, 1, 3600),
  BURST_DOWNLOAD_WAIT_SECONDS: intFrom(10, 0, 3600),
  STORED_REACTION: z
    .string()
    .regex(/^(off|[A-Za-z_]+)$/, 'must be an emoji key of Lark (such as DONE or OK) or off')
    .default('DONE'),
  MAX_FILE_MB: intFrom(1024, 1),
  MIN_FREE_DISK_MB: intFrom(1024, 0),
  DOWNLOAD_CHUNK_MB: intFrom(8, 1, 100),
  DOWNLOAD_IDLE_TIMEOUT_SECONDS: intFrom(30, 1),
  // Lark redelivers a push for ~7.1 h: processed events must be kept at least a day.
  RETENTION_DAYS: intFrom(30, 1, 36_500),
  METRICS_REFRESH_SECONDS: intFrom(15, 1, 3600),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  RECONCILE_INTERVAL_MINUTES: intFrom(30, 0),
  RECONCILE_LOOKBACK_HOURS: intFrom(12, 1, 24 * 14),
  OPS_CHAT_ID: z
    .string()
    .regex(/^oc_\w+$/, 'must be a chat id such as oc_xxxxxxxx')
    .optional(),
  ALERT_CHECK_MINUTES: intFrom(5, 0, 24 * 60),
  ALERT_INTERVAL_MINUTES: intFrom(60, 1, 7 * 24 * 60),
  LARK_REFUSAL_ALERT_MINUTES: intFrom(30, 1, 24 * 60),
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s?#]+(\/[^\s?#]*[^/\s?#])?$/, 'must be an http(s) URL without a trailing slash')
    .optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_HOURS: intFrom(12, 1, 24 * 30),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  lark: {
    appId: string;
    appSecret: string;
    domain: string;
    eventMode: 'ws' | 'webhook';
    encryptKey?: string;
    verificationToken?: string;
    httpTimeoutMs: number;
    /** Our own ceiling per API (Lark allows 50/s and 1000/min per API). */
    perApiPerSecond: number;
    perApiPerMinute: number;
    wsPingTimeoutSeconds: number;
    wsSilenceAlertMinutes: number;
  };
  webhook: { maxAgeSeconds: number; maxAheadSeconds: number; bodyLimitBytes: number };
  databaseUrl?: string;
  /** PostgreSQL statement_timeout (0 = none). */
  statementTimeoutMs: number;
  /** PostgreSQL connections this instance keeps open (all opened at start). */
  databasePoolSize: number;
  dataDir: string;
  /** BLOB_STORE and S3_*: where stored files live. */
  blobStore: BlobStoreConfig;
  port: number;
  host: string;
  logLevel: string;
  timeZone: string;
  worker: {
    concurrency: number;
    jobConcurrency: number;
    maxAttempts: number;
    leaseSeconds: number;
    /** Longest wait between two re-checks of a missing resource (disk, store, database). */
    recheckMaxMs: number;
  };
  capture: {
    quietWindowMs: number;
    /** A closed burst is answered at most this long after its last file arrived, downloads done or not. */
    downloadWaitMs: number;
    /** Emoji key of the reaction on a message once its file is stored; undefined = off. */
    storedReaction?: string;
    maxFileBytes: number;
    minFreeDiskBytes: number;
    chunkBytes: number;
    idleTimeoutMs: number;
    /** 0 turns the periodic reconciliation off. */
    reconcileIntervalMs: number;
    reconcileLookbackMs: number;
  };
  /** Reminder and digest times, thresholds and quiet hours (YAML); `enabled: false` stops the timers. */
  schedules: { file: string; enabled: boolean };
  /** 全宗, codes, retention and package settings (YAML); optional virus-scan and DOCX → PDF commands. */
  archive: { configFile: string; virusScanCommand?: string; docxToPdfCommand?: string };
  /** Alerts to the operations chat (or the top admins): how often to check, at most one per kind per interval. */
  alerts: { opsChatId?: string; checkMs: number; intervalMs: number; refusalWindowMs: number };
  /** Pruning of processed events and finished jobs; /metrics refresh and optional bearer token. */
  operations: { retentionDays: number; metricsRefreshSeconds: number; metricsToken?: string };
  /** The web pages (查阅利用): where they are reachable, the cookie-signing secret, session length. */
  web: { publicUrl?: string; sessionSecret?: string; sessionHours: number };
}

/** An S3-compatible bucket for the stored files (BLOB_STORE=s3). */
export interface S3Settings {
  /** Unset: AWS S3 itself. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** '' or a folder ending in '/'. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** bucket in the path (MinIO, most 政务云 stores) rather than in the host name; default: with an endpoint. */
  forcePathStyle: boolean;
  /** Longest wait for a connection or an answer. */
  timeoutMs: number;
}

/** Where the stored files live: DATA_DIR/files (with the bucket S3_* name, if any: `storage migrate`'s target), or a bucket. */
export type BlobStoreConfig = { kind: 'local'; migrateTo?: S3Settings } | ({ kind: 's3' } & S3Settings);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DOMAINS: Record<string, string> = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
};

/** The part of the configuration the command-line tools need too (no Lark credentials). */
export type BaseConfig = Pick<
  Config,
  'databaseUrl' | 'dataDir' | 'timeZone' | 'schedules' | 'archive' | 'blobStore' | 'port' | 'host'
> & { worker: Pick<Config['worker'], 'leaseSeconds'> };

// Empty strings in .env files mean "not set".
const cleanEnv = (env: Env) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));

/** A whole-number variable's bounds and default, as the schema holds them (the docs test reads them too). */
export interface ConfigVariable {
  name: string;
  default?: string;
  min?: number;
  /** Unset: no upper bound. */
  max?: number;
}

/** Every variable the bot reads, with its default and, for whole numbers, its range. */
export function configVariables(): ConfigVariable[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const f = field as z.ZodType & { def: { type: string; defaultValue?: unknown; innerType?: z.ZodType } };
    const inner = (f.def.type === 'default' ? f.def.innerType : f) as z.ZodType & {
      minValue?: number | null;
      maxValue?: number | null;
    };
    const dflt = f.def.type === 'default' ? String(f.def.defaultValue) : undefined;
    if (!(inner instanceof z.ZodNumber)) return { name, ...(dflt === undefined ? {} : { default: dflt }) };
    const max = inner.maxValue ?? undefined;
    return {
      name,
      ...(dflt === undefined ? {} : { default: dflt }),
      min: inner.minValue ?? undefined,
      ...(max !== undefined && max < Number.MAX_SAFE_INTEGER ? { max } : {}),
    };
  });
}

/** "must be a whole number from 1 to 64" (or "of at least 5"), for a number out of its range. */
function rangeText(key: string): string | undefined {
  const v = configVariables().find((c) => c.name === key);
  if (v?.min === undefined) return undefined;
  return v.max === undefined
    ? `must be a whole number of at least ${v.min}`
    : `must be a whole number from ${v.min} to ${v.max}`;
}

function problemCollector(cleaned: Env) {
  const problems: string[] = [];
  const problem = (key: string, message: string) => {
    const hint = HINTS[key];
    problems.push(`${key}: ${message}${hint ? ` (${hint})` : ''}`);
  };
  const addIssues = (issues: z.core.$ZodIssue[] = []) => {
    for (const issue of issues) {
      const key = String(issue.path[0] ?? '');
      const missing = issue.code === 'invalid_type' && cleaned[key] === undefined;
      const notANumber = issue.code === 'invalid_type' && issue.expected === 'number';
      const outOfRange = issue.code === 'too_big' || issue.code === 'too_small' ? rangeText(key) : undefined;
      problem(
        key,
        missing ? 'is required' : notANumber ? 'must be a whole number' : (outOfRange ?? issue.message),
      );
    }
  };
  return { problems, problem, addIssues };
}

const baseFrom = (v: z.infer<typeof baseSchema>): BaseConfig => ({
  databaseUrl: v.DATABASE_URL,
  dataDir: v.DATA_DIR,
  timeZone: v.TZ,
  schedules: { file: v.SCHEDULES_FILE, enabled: v.SCHEDULER_ENABLED === 'true' },
  archive: {
    configFile: v.ARCHIVE_CONFIG,
    virusScanCommand: v.VIRUS_SCAN_COMMAND,
    docxToPdfCommand: v.DOCX_TO_PDF_COMMAND,
  },
  blobStore: v.BLOB_STORE === 's3' ? { kind: 's3', ...s3From(v)! } : { kind: 'local', migrateTo: s3From(v) },
  port: v.PORT,
  host: v.HOST,
  worker: { leaseSeconds: v.WORKER_LEASE_SECONDS },
});

/** The bucket the S3_* variables name, when they name one (the store, or `storage migrate`'s target). */
function s3From(v: z.infer<typeof baseSchema>): S3Settings | undefined {
  if (!v.S3_BUCKET || !v.S3_ACCESS_KEY_ID || !v.S3_SECRET_ACCESS_KEY) return undefined;
  return {
    endpoint: v.S3_ENDPOINT?.replace(/\/$/, ''),
    region: v.S3_REGION,
    bucket: v.S3_BUCKET,
    prefix: v.S3_PREFIX ? v.S3_PREFIX.replace(/\/?$/, '/') : '',
    accessKeyId: v.S3_ACCESS_KEY_ID,
    secretAccessKey: v.S3_SECRET_ACCESS_KEY,
    forcePathStyle: v.S3_FORCE_PATH_STYLE ? v.S3_FORCE_PATH_STYLE === 'true' : v.S3_ENDPOINT !== undefined,
    timeoutMs: v.S3_TIMEOUT_SECONDS * 1000,
  };
}

/** BLOB_STORE=s3 needs its bucket and credentials (reported with every other problem). */
function blobStoreProblems(cleaned: Env, problem: (key: string, message: string) => void): void {
  if (cleaned.BLOB_STORE !== 's3') return;
  for (const key of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'])
    if (!cleaned[key]) problem(key, 'is required when BLOB_STORE=s3');
}

/** Pure: validates what the command-line tools read (database, data folder, time zone, settings files). */
export function loadBaseConfig(env: Env): BaseConfig {
  const cleaned = cleanEnv(env);
  const parsed = baseSchema.safeParse(cleaned);
  const { problems, problem, addIssues } = problemCollector(cleaned);
  addIssues(parsed.error?.issues);
  blobStoreProblems(cleaned, problem);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return baseFrom(parsed.data);
}

/** Pure: validates `env` and lists every missing or bad variable at once. */
export function loadConfig(env: Env): Config {
  const cleaned = cleanEnv(env);
  const parsed = schema.safeParse(cleaned);
  const { problems, problem, addIssues } = problemCollector(cleaned);
  addIssues(parsed.error?.issues);
  blobStoreProblems(cleaned, problem);
  // Checked outside zod so it is reported together with every other problem.
  if (cleaned.LARK_EVENT_MODE === 'webhook') {
    for (const key of ['LARK_ENCRYPT_KEY', 'LARK_VERIFICATION_TOKEN']) {
      if (!cleaned[key]) problem(key, 'is required when LARK_EVENT_MODE=webhook');
    }
  }
  // A push is taken once because its event id is kept in inbound_events, for RETENTION_DAYS: a signed
  // push (a card tap) replayed after its key was deleted, and still within the age window, would run again.
  if (
    cleaned.LARK_EVENT_MODE === 'webhook' &&
    parsed.success &&
    parsed.data.WEBHOOK_MAX_AGE_SECONDS > parsed.data.RETENTION_DAYS * 86_400
  )
    problem(
      'RETENTION_DAYS',
      `must cover WEBHOOK_MAX_AGE_SECONDS (${parsed.data.WEBHOOK_MAX_AGE_SECONDS} s): a push replayed after its dedupe key is deleted would be taken again`,
    );
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const v = parsed.data;
  return {
    lark: {
      appId: v.LARK_APP_ID,
      appSecret: v.LARK_APP_SECRET,
      domain: DOMAINS[v.LARK_DOMAIN] ?? v.LARK_DOMAIN,
      eventMode: v.LARK_EVENT_MODE,
      encryptKey: v.LARK_ENCRYPT_KEY,
      verificationToken: v.LARK_VERIFICATION_TOKEN,
      httpTimeoutMs: v.LARK_HTTP_TIMEOUT_MS,
      perApiPerSecond: v.LARK_API_PER_SECOND,
      perApiPerMinute: v.LARK_API_PER_MINUTE,
      wsPingTimeoutSeconds: v.WS_PING_TIMEOUT_SECONDS,
      wsSilenceAlertMinutes: v.WS_SILENCE_ALERT_MINUTES,
    },
    webhook: {
      maxAgeSeconds: v.WEBHOOK_MAX_AGE_SECONDS,
      maxAheadSeconds: v.WEBHOOK_MAX_AHEAD_SECONDS,
      bodyLimitBytes: v.WEBHOOK_BODY_LIMIT_BYTES,
    },
    ...baseFrom(v),
    statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000,
    databasePoolSize: v.DATABASE_POOL_SIZE,
    port: v.PORT,
    host: v.HOST,
    logLevel: v.LOG_LEVEL,
    worker: {
      concurrency: v.WORKER_CONCURRENCY,
      jobConcurrency: v.JOB_CONCURRENCY,
      maxAttempts: v.WORKER_MAX_ATTEMPTS,
      leaseSeconds: v.WORKER_LEASE_SECONDS,
      recheckMaxMs: v.RESOURCE_RECHECK_SECONDS * 1000,
    },
    capture: {
      quietWindowMs: v.BURST_QUIET_SECONDS * 1000,
      downloadWaitMs: v.BURST_DOWNLOAD_WAIT_SECONDS * 1000,
      ...(v.STORED_REACTION === 'off' ? {} : { storedReaction: v.STORED_REACTION }),
      maxFileBytes: v.MAX_FILE_MB * 1024 * 1024,
      minFreeDiskBytes: v.MIN_FREE_DISK_MB * 1024 * 1024,
      chunkBytes: v.DOWNLOAD_CHUNK_MB * 1024 * 1024,
      idleTimeoutMs: v.DOWNLOAD_IDLE_TIMEOUT_SECONDS * 1000,
      reconcileIntervalMs: v.RECONCILE_INTERVAL_MINUTES * 60_000,
      reconcileLookbackMs: v.RECONCILE_LOOKBACK_HOURS * 3_600_000,
    },
    alerts: {
      opsChatId: v.OPS_CHAT_ID,
      checkMs: v.ALERT_CHECK_MINUTES * 60_000,
      intervalMs: v.ALERT_INTERVAL_MINUTES * 60_000,
      refusalWindowMs: v.LARK_REFUSAL_ALERT_MINUTES * 60_000,
    },
    operations: {
      retentionDays: v.RETENTION_DAYS,
      metricsRefreshSeconds: v.METRICS_REFRESH_SECONDS,
      metricsToken: v.METRICS_TOKEN,
    },
    web: { publicUrl: v.PUBLIC_URL, sessionSecret: v.SESSION_SECRET, sessionHours: v.SESSION_HOURS },
  };
}
