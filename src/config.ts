import { z } from 'zod';
import { isLarkAppId, LARK_APP_ID_RULE } from './lark/app-id.js';

/** Where an operator finds each value, or an example of a right one; shown next to every error. */
const HINTS: Record<string, string> = {
  LARK_APP_ID: '在开发者后台 → 凭证与基础信息 复制 App ID，例如 cli_a1b2c3d4e5f60718',
  LARK_APP_SECRET: '在开发者后台 → 凭证与基础信息 复制 App Secret',
  LARK_DOMAIN:
    '填 feishu（open.feishu.cn）、lark（open.larksuite.com）或一个地址，例如 http://127.0.0.1:9000',
  LARK_EVENT_MODE: '填 ws（长连接，不需要公网地址）或 webhook',
  LARK_ENCRYPT_KEY: '在开发者后台 → 事件与回调 → 加密策略 复制 Encrypt Key',
  LARK_VERIFICATION_TOKEN: '在开发者后台 → 事件与回调 → 加密策略 复制 Verification Token',
  DATABASE_URL: '例如 postgres://用户名:密码@127.0.0.1:5432/archive；不填则用内置数据库',
  DATA_DIR: '放内置数据库和文件的可写文件夹，例如 /var/lib/archive-bot',
  PORT: '例如 3000',
  HOST: '要监听的地址，例如 0.0.0.0 或 127.0.0.1',
  LOG_LEVEL: '例如 info',
  TZ: '例如 Asia/Shanghai',
  HOLIDAYS_FILE:
    '县里自己的节假日文件，例如 /etc/archive-bot/holidays.yaml（照 config/holidays.example.yaml 填写）',
  PUBLIC_URL:
    '大家打开网页的地址，例如 https://archive.example.gov.cn（末尾不带 /）；网页应用的主页和重定向 URL 也填它',
  SESSION_SECRET: '至少 32 个随机字符；不填则自动生成在 DATA_DIR/session-secret',
  BLOB_STORE: 'local（文件放在 DATA_DIR/files）或 s3（S3 兼容的对象存储：MinIO、Ceph RGW、OSS、OBS）',
  S3_ENDPOINT: '对象存储的地址，例如 https://minio.example.gov.cn:9000；用 AWS S3 时不填',
  S3_REGION: '例如 us-east-1 或 cn-north-1',
  S3_BUCKET: '已建好的存储桶名，例如 archive-bot',
  S3_ACCESS_KEY_ID: '对象存储给本机器人发的 access key',
  S3_SECRET_ACCESS_KEY: '与 S3_ACCESS_KEY_ID 配对的 secret key',
  S3_PREFIX: '存储桶里的文件夹，例如 archive/',
  STORED_REACTION: '例如 DONE 或 OK；填 off 则不加表情',
  METRICS_TOKEN: '例如 openssl rand -hex 16 生成的 32 个字符',
  TRUST_PROXY:
    '前面没有反向代理填 false；前面有一层 nginx 或负载均衡（它会加 X-Forwarded-For）填 true；有几层就填几（1 到 5）',
  OPS_CHAT_ID:
    '运维群的 id，例如 oc_xxxxxxxx（把机器人拉进群后 npm run cli -- chats list 可查）；不填则告警私信发给管理员',
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

/** TZ when none is set: the zone of every county the bot is made for. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/**
 * The zone TZ names, read alone: for a check-up that must date things when the rest of the
 * configuration is refused (a missing Lark secret). A bad TZ is reported by loadConfig; here it is the default.
 */
export function configuredTimeZone(env: Env): string {
  const tz = env.TZ;
  return tz && isTimeZone(tz) ? tz : DEFAULT_TIME_ZONE;
}

/** What the bot and every command-line tool read: the database, the data folder, time zone, settings files. */
const baseSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
      '要以 postgres:// 或 postgresql:// 开头',
    ),
  DATA_DIR: z.string().min(1).default('./data'),
  TZ: z.string().default(DEFAULT_TIME_ZONE).refine(isTimeZone, '不是已知的时区'),
  SCHEDULES_FILE: z.string().min(1).default('config/schedules.yaml'),
  SCHEDULER_ENABLED: z.enum(['true', 'false']).default('true'),
  HOLIDAYS_FILE: z.string().min(1).default('config/holidays.yaml'),
  ARCHIVE_CONFIG: z.string().min(1).default('config/archive.yaml'),
  VIRUS_SCAN_COMMAND: z.string().optional(),
  DOCX_TO_PDF_COMMAND: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  BLOB_STORE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: z
    .string()
    .regex(/^https?:\/\/[^/\s?#]+\/?$/, '要写 http(s) 地址，不带路径')
    .optional(),
  S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]+$/, '不是区域名')
    .default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, '不是存储桶名（3 到 63 个小写字母、数字、. 和 -）')
    .optional(),
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\/?$/, '不是文件夹路径')
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
  LARK_APP_SECRET: z.string().min(1, '没有填写'),
  LARK_DOMAIN: z
    .string()
    .default('feishu')
    .refine(
      (v) => v === 'feishu' || v === 'lark' || /^https?:\/\/[^/]+[^/]$/.test(v),
      '只能是 feishu、lark 或末尾不带 / 的地址',
    ),
  LARK_EVENT_MODE: z.enum(['ws', 'webhook']).default('ws'),
  LARK_ENCRYPT_KEY: z.string().optional(),
  LARK_VERIFICATION_TOKEN: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Below WEBHOOK_MIN_AGE_SECONDS is raised to it at start, with a warning (loadConfig).
  WEBHOOK_MAX_AGE_SECONDS: intFrom(8 * 3600, 1),
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
    .regex(/^(off|[A-Za-z_]+)$/, '不是飞书的表情 key，也不是 off')
    .default('DONE'),
  MAX_FILE_MB: intFrom(1024, 1),
  MIN_FREE_DISK_MB: intFrom(1024, 0),
  DOWNLOAD_CHUNK_MB: intFrom(8, 1, 100),
  DOWNLOAD_IDLE_TIMEOUT_SECONDS: intFrom(30, 1),
  // Lark redelivers a push for ~7.1 h: processed events must be kept at least a day.
  RETENTION_DAYS: intFrom(30, 1, 36_500),
  METRICS_REFRESH_SECONDS: intFrom(15, 1, 3600),
  METRICS_TOKEN: z.string().min(16, '至少要 16 个字符').optional(),
  RECONCILE_INTERVAL_MINUTES: intFrom(30, 0),
  RECONCILE_LOOKBACK_HOURS: intFrom(12, 1, 24 * 14),
  OPS_CHAT_ID: z
    .string()
    .regex(/^oc_\w+$/, '不是群 id（以 oc_ 开头）')
    .optional(),
  ALERT_CHECK_MINUTES: intFrom(5, 0, 24 * 60),
  ALERT_INTERVAL_MINUTES: intFrom(60, 1, 7 * 24 * 60),
  LARK_REFUSAL_ALERT_MINUTES: intFrom(30, 1, 24 * 60),
  BACKUP_ALERT_HOURS: intFrom(36, 0, 24 * 31),
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s?#]+(\/[^\s?#]*[^/\s?#])?$/, '要写 http(s) 地址，末尾不带 /、不带 ? 和 #')
    .optional(),
  SESSION_SECRET: z.string().min(32, '至少要 32 个字符').optional(),
  SESSION_HOURS: intFrom(12, 1, 24 * 30),
  // How many reverse proxies stand in front (their X-Forwarded-* headers are believed): 0 = none.
  TRUST_PROXY: z.enum(['false', 'true', '0', '1', '2', '3', '4', '5']).default('false'),
});

export type Env = Record<string, string | undefined>;

/**
 * The files an Env was read from (env.ts sets it: `node --env-file=…`'s and the `.env` below the
 * environment), for the configuration error to name them. A symbol key: it travels with `{ ...env }`
 * and is no variable (Object.entries and child processes never see it).
 */
export const ENV_FILES = Symbol('env files');

/** The full paths of the files `env` was read from; none: the process environment only. */
export const envFilesOf = (env: Env): readonly string[] =>
  (env as { [ENV_FILES]?: readonly string[] })[ENV_FILES] ?? [];

/** The program folder's `.env` when env.ts read it: its full path and the variables it gave. */
export const DOT_ENV = Symbol('dot env');

export const dotEnvOf = (env: Env): { file: string; keys: readonly string[] } | undefined =>
  (env as { [DOT_ENV]?: { file: string; keys: readonly string[] } })[DOT_ENV];

/**
 * Lark retries a push it got no 200 for during about 7 hours: a shorter window refuses those retries
 * (401) and their messages are never recorded. A smaller WEBHOOK_MAX_AGE_SECONDS (accepted before
 * this floor, so still in older installations' .env) is raised to it at start, with a warning in the
 * log and in `doctor`: refusing to start would leave the service down after an upgrade.
 */
export const WEBHOOK_MIN_AGE_SECONDS = 8 * 3600;

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
  /** Values raised to their floor, one sentence each for the IT person: logged at start, shown by `doctor`. */
  warnings?: string[];
  /** The files the variables were read from (envFilesOf), for a line saying which one to edit. */
  envFiles?: readonly string[];
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
  /**
   * Reminder and digest times, thresholds and quiet hours (YAML); `enabled: false` stops the timers;
   * the county's holidays.yaml (the State Council's 放假安排 for years `chinese-days` lacks).
   */
  schedules: { file: string; enabled: boolean; holidaysFile: string };
  /** 全宗, codes, retention and package settings (YAML); optional virus-scan and DOCX → PDF commands. */
  archive: { configFile: string; virusScanCommand?: string; docxToPdfCommand?: string };
  /** Alerts to the operations chat (or the top admins): how often to check, at most one per kind per interval. */
  alerts: {
    opsChatId?: string;
    checkMs: number;
    intervalMs: number;
    refusalWindowMs: number;
    /** The 「备份没有按时完成」 alert: the last complete backup older than this (0: no backup alert). */
    backupMaxAgeMs: number;
  };
  /** Pruning of processed events and finished jobs; /metrics refresh and optional bearer token. */
  operations: { retentionDays: number; metricsRefreshSeconds: number; metricsToken?: string };
  /** The web pages (查阅利用): where they are reachable, the cookie-signing secret, session length. */
  web: { publicUrl?: string; sessionSecret?: string; sessionHours: number };
  /**
   * Reverse proxies in front of the HTTP port whose X-Forwarded-* headers are believed (TRUST_PROXY;
   * 0: none, the socket's address is the sender's and a forged header changes nothing).
   */
  trustProxyHops: number;
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

/**
 * The first line of every configuration error (the problems follow, one per line): where the settings
 * were read from, the settings file(s) or the environment only. It said 「.env 文件或环境变量」 always,
 * and the IT person had to find which file, if any, the command had read.
 */
export const configErrorHeading = (files: readonly string[]): string =>
  `配置有误（${configSource(files)}）：`;

/**
 * Where the variables came from, in words: the files read 「或环境变量」 (a variable set in the
 * environment wins over the file's, so naming the file alone could send the reader to the wrong one),
 * or 环境变量 alone.
 */
export const configSource = (files: readonly string[]): string =>
  files.length > 0 ? `${files.join('、')} 或环境变量` : '环境变量';

export class ConfigError extends Error {
  /** `files`: what the variables were read from (envFilesOf), named in the heading. */
  constructor(
    readonly problems: string[],
    readonly files: readonly string[] = [],
  ) {
    super(`${configErrorHeading(files)}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
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
  | 'databaseUrl'
  | 'dataDir'
  | 'timeZone'
  | 'schedules'
  | 'archive'
  | 'blobStore'
  | 'port'
  | 'host'
  | 'envFiles'
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

/** "要写 1 到 64 之间的整数" (or "不小于 5 的整数"), for a number out of its range. */
function rangeText(key: string): string | undefined {
  const v = configVariables().find((c) => c.name === key);
  if (v?.min === undefined) return undefined;
  return v.max === undefined ? `要写不小于 ${v.min} 的整数` : `要写 ${v.min} 到 ${v.max} 之间的整数`;
}

/** The hint after a problem: where to find the value, or an example of a right one (the default). */
function hintText(key: string): string | undefined {
  const hint = HINTS[key];
  if (hint) return hint;
  const dflt = configVariables().find((c) => c.name === key)?.default;
  return dflt === undefined ? undefined : `例如 ${dflt}，即不填时的默认值`;
}

/** What is wrong with one variable, in the words the county IT person reads. */
function issueText(issue: z.core.$ZodIssue, missing: boolean): string {
  if (missing) return '没有填写';
  if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int'))
    return '要写整数';
  if (issue.code === 'too_big' || issue.code === 'too_small') {
    const range = rangeText(String(issue.path[0] ?? ''));
    if (range) return range;
  }
  if (issue.code === 'invalid_value') {
    const values = issue.values.map(String);
    return `只能是 ${values.length > 1 ? `${values.slice(0, -1).join('、')} 或 ${values.at(-1)}` : values[0]}`;
  }
  return issue.message;
}

function problemCollector(cleaned: Env) {
  const problems: string[] = [];
  const problem = (key: string, message: string) => {
    const hint = hintText(key);
    problems.push(`${key}：${message}${hint ? `。${hint}` : ''}`);
  };
  const addIssues = (issues: z.core.$ZodIssue[] = []) => {
    for (const issue of issues) {
      const key = String(issue.path[0] ?? '');
      problem(key, issueText(issue, issue.code === 'invalid_type' && cleaned[key] === undefined));
    }
  };
  return { problems, problem, addIssues };
}

const baseFrom = (v: z.infer<typeof baseSchema>): BaseConfig => ({
  databaseUrl: v.DATABASE_URL,
  dataDir: v.DATA_DIR,
  timeZone: v.TZ,
  schedules: {
    file: v.SCHEDULES_FILE,
    enabled: v.SCHEDULER_ENABLED === 'true',
    holidaysFile: v.HOLIDAYS_FILE,
  },
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
    if (!cleaned[key]) problem(key, 'BLOB_STORE=s3 时必须填写');
}

/** Pure: validates what the command-line tools read (database, data folder, time zone, settings files). */
export function loadBaseConfig(env: Env): BaseConfig {
  const cleaned = cleanEnv(env);
  const parsed = baseSchema.safeParse(cleaned);
  const { problems, problem, addIssues } = problemCollector(cleaned);
  addIssues(parsed.error?.issues);
  blobStoreProblems(cleaned, problem);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems, envFilesOf(env));
  return { ...baseFrom(parsed.data), envFiles: envFilesOf(env) };
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
      if (!cleaned[key]) problem(key, 'LARK_EVENT_MODE=webhook 时必须填写');
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems, envFilesOf(env));
  const v = parsed.data;
  return {
    warnings: webhookAgeWarnings(v, cleaned.LARK_EVENT_MODE === 'webhook'),
    envFiles: envFilesOf(env),
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
      maxAgeSeconds: webhookMaxAge(v),
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
      backupMaxAgeMs: v.BACKUP_ALERT_HOURS * 3_600_000,
    },
    operations: {
      retentionDays: v.RETENTION_DAYS,
      metricsRefreshSeconds: v.METRICS_REFRESH_SECONDS,
      metricsToken: v.METRICS_TOKEN,
    },
    web: { publicUrl: v.PUBLIC_URL, sessionSecret: v.SESSION_SECRET, sessionHours: v.SESSION_HOURS },
    trustProxyHops: v.TRUST_PROXY === 'true' ? 1 : v.TRUST_PROXY === 'false' ? 0 : Number(v.TRUST_PROXY),
  };
}

/** The warning when WEBHOOK_MAX_AGE_SECONDS is below the floor (it runs at the floor). */
/**
 * A push is taken once because its event id is kept in inbound_events for RETENTION_DAYS: a signed push
 * (a card tap) replayed after its key was deleted, and still within the age window (plus the clock skew
 * allowed ahead), would run again. So the window ends before the keys do; RETENTION_DAYS ≥ 1 keeps it
 * above the 8-hour floor.
 */
function replayBoundSeconds(v: { RETENTION_DAYS: number; WEBHOOK_MAX_AHEAD_SECONDS: number }): number {
  return v.RETENTION_DAYS * 86_400 - v.WEBHOOK_MAX_AHEAD_SECONDS;
}

/** The age window webhook pushes are taken in: at least the floor, and ended before the dedupe keys are. */
function webhookMaxAge(v: {
  WEBHOOK_MAX_AGE_SECONDS: number;
  RETENTION_DAYS: number;
  WEBHOOK_MAX_AHEAD_SECONDS: number;
}): number {
  return Math.min(Math.max(v.WEBHOOK_MAX_AGE_SECONDS, WEBHOOK_MIN_AGE_SECONDS), replayBoundSeconds(v));
}

/**
 * An age window outside those bounds runs at the bound, with one warning each (the log, doctor's 配置
 * line), rather than refusing to start: a setting accepted before an upgrade must not leave the county
 * without its bot on upgrade day.
 */
function webhookAgeWarnings(
  v: { WEBHOOK_MAX_AGE_SECONDS: number; RETENTION_DAYS: number; WEBHOOK_MAX_AHEAD_SECONDS: number },
  webhook: boolean,
): string[] {
  const seconds = v.WEBHOOK_MAX_AGE_SECONDS;
  if (seconds < WEBHOOK_MIN_AGE_SECONDS)
    return [
      `WEBHOOK_MAX_AGE_SECONDS=${seconds} 小于 ${WEBHOOK_MIN_AGE_SECONDS}（8 小时），已按 ${WEBHOOK_MIN_AGE_SECONDS} 运行：` +
        `飞书对没应答的推送会重试约 7 小时，时间更短会拒收这些重试，消息就丢了。` +
        `请把 .env 里这一行改为 WEBHOOK_MAX_AGE_SECONDS=${WEBHOOK_MIN_AGE_SECONDS}，或删掉它。`,
    ];
  const bound = replayBoundSeconds(v);
  if (webhook && seconds > bound)
    return [
      `WEBHOOK_MAX_AGE_SECONDS=${seconds} 超过去重记录保存的时间（RETENTION_DAYS=${v.RETENTION_DAYS} 天），已按 ${bound} 运行：` +
        `去重记录删掉后，时限内重放的推送会被再处理一次。` +
        `请把 .env 里的 WEBHOOK_MAX_AGE_SECONDS 改小（或删掉），或把 RETENTION_DAYS 改为不少于 ${Math.ceil((seconds + v.WEBHOOK_MAX_AHEAD_SECONDS) / 86_400)}。`,
    ];
  return [];
}
