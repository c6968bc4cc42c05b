/**
 * What may reach a log line. Logs carry ids, codes, names and stacks; never secrets, tokens,
 * request or event bodies, SQL parameters or message content — at any depth, whatever throws.
 *
 * Three layers: `redactValue` walks every logged object (keys that hold content or credentials are
 * replaced whatever their depth, errors become `serializeError`), `serializeError` keeps only an
 * error's type, code, scrubbed message and stack (never axios' config/headers, postgres.js'
 * parameters, drizzle's params), and `scrubText` cleans free text (token shapes, URL queries,
 * drizzle's "params:" tail, JSON.parse's echo of its input, the SDK's "data: …" dumps).
 */

export const REDACTED = '[redacted]';

/** Keys whose values are content or credentials (compared lower-case, without `_` and `-`). */
const SECRET_KEYS = new Set([
  'appsecret',
  'secret',
  'encryptkey',
  'encrypt',
  'token',
  'accesstoken',
  'tenantaccesstoken',
  'appaccesstoken',
  'useraccesstoken',
  'refreshtoken',
  'verificationtoken',
  'authorization',
  'xlarkhelpdeskauthorization',
  'cookie',
  'setcookie',
  'password',
  'secretaccesskey',
  'headers',
  'body',
  'rawbody',
  'data',
  'payload',
  'params',
  'parameters',
  'args',
  'query',
  'content',
  'text',
  'caption',
  'event',
  'detail',
  'where',
  'config',
  'request',
  'response',
]);

const normalise = (key: string) => key.toLowerCase().replace(/[_-]/g, '');
export const isSecretKey = (key: string): boolean => SECRET_KEYS.has(normalise(key));

const MAX_DEPTH = 6;
const MAX_TEXT = 2000;

/**
 * Token shapes and the configured secret values, replaced in place (safe inside a JSON line:
 * nothing outside the match changes).
 */
export function scrubTokens(text: string, secrets: readonly string[] = []): string {
  let s = text;
  for (const secret of secrets) if (secret.length >= 4) s = s.split(secret).join(REDACTED);
  return (
    s
      .replace(/\b(Bearer|Basic)\s+[^\s"',}\\]+/gi, `$1 ${REDACTED}`)
      // Lark tokens: t- (tenant), u- (user), a- (app) followed by a long opaque tail
      .replace(/\b[tua]-[A-Za-z0-9._~+/=-]{16,}/g, REDACTED)
      // URL queries carry tickets and access keys (the ws URL does)
      .replace(/\b((?:https?|wss?):\/\/[^\s?#"'\\]+)\?[^\s#"'\\]*/gi, `$1?${REDACTED}`)
  );
}

/** Cleans free text: tokens (scrubTokens), and the tails that echo input or bodies. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  const s = scrubTokens(text, secrets)
    // drizzle: "Failed query: <sql>\nparams: <values>"
    .replace(/\n?params: [\s\S]*$/, '')
    // the Lark SDK's ws debug line: "... data: <event json>"
    .replace(/\bdata: [\s\S]*$/, `data: ${REDACTED}`)
    // JSON.parse (Node 20+): `Unexpected token 'x', "<input>"... is not valid JSON`
    .replace(/"(?:[^"\\]|\\.)*"(\.\.\.)? is not valid JSON/g, 'input is not valid JSON');
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

const errorFields = ['code', 'larkCode', 'httpStatus', 'status', 'errno', 'syscall', 'severity', 'routine'];

/**
 * An error as a log line may show it: type, code-like fields, scrubbed message, scrubbed stack
 * (frames only after the first line), and its cause the same way. Nothing else: axios' `config`
 * (headers, body), postgres.js' `parameters`/`query`, drizzle's `params`, PostgresError's `detail`.
 */
export function serializeError(err: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (!(err instanceof Error)) {
    if (err === null || err === undefined) return err;
    return typeof err === 'object' ? redactValue(err, secrets, depth) : scrubText(String(err), secrets);
  }
  const message = scrubText(err.message, secrets);
  const out: Record<string, unknown> = { type: err.name || err.constructor?.name || 'Error', message };
  for (const f of errorFields) {
    const v = (err as unknown as Record<string, unknown>)[f];
    if (typeof v === 'string' || typeof v === 'number')
      out[f] = typeof v === 'string' ? scrubText(v, secrets) : v;
  }
  if (typeof err.stack === 'string') {
    const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${out.type}: ${message}`, ...frames.map((f) => scrubText(f, secrets))].join('\n');
  }
  if (err.cause !== undefined && depth < MAX_DEPTH) out.cause = serializeError(err.cause, secrets, depth + 1);
  if (err instanceof AggregateError && depth < MAX_DEPTH)
    out.errors = err.errors.slice(0, 5).map((e) => serializeError(e, secrets, depth + 1));
  return out;
}

/** A copy of `value` fit for a log line (see the module comment). */
export function redactValue(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeError(value, secrets, depth);
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return '[deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactValue(v, secrets, depth + 1);
  }
  return out;
}

const STORED_FRAMES = 12;

/**
 * An error as it is stored (a queue row's `last_error`): type and scrubbed message, and its cause's
 * when there is one (drizzle's "Failed query" says less than the database's own). With `stack`
 * (unexpected errors), the scrubbed stack frames follow on the next lines, the cause's too.
 */
export function errorText(err: unknown, o: { stack?: boolean } = {}): string {
  if (!(err instanceof Error)) return scrubText(String(err));
  const own = `${err.name || 'Error'}: ${scrubText(err.message)}`;
  const cause =
    err.cause instanceof Error ? `; cause ${err.cause.name}: ${scrubText(err.cause.message)}` : '';
  if (!o.stack) return own + cause;
  const frames = (e: Error) =>
    (e.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .slice(0, STORED_FRAMES)
      .map((l) => scrubText(l.trim(), []));
  const causeFrames = err.cause instanceof Error ? frames(err.cause) : [];
  return [
    own + cause,
    ...frames(err).map((f) => `  ${f}`),
    ...(causeFrames.length > 0 ? ['  cause:', ...causeFrames.map((f) => `    ${f}`)] : []),
  ].join('\n');
}
