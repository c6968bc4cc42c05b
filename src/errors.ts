/** Every error we raise on purpose carries a stable string code. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An expected problem the user can fix; becomes a friendly chat reply. */
export class DomainError extends AppError {}

/** A refused card tap whose card is replaced too (so it stops offering what was refused). */
export class RefusalWithCard extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly card: object,
  ) {
    super(code, message);
  }
}

/** "Lark said no": an API answer with a non-zero code (or an HTTP error carrying one). */
export class LarkApiError extends AppError {
  constructor(
    readonly larkCode: number,
    message: string,
    readonly httpStatus?: number,
    /** Seconds to wait before retrying, from `x-ogw-ratelimit-reset`. */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(`lark_${larkCode}`, message, options);
  }

  get isRateLimit(): boolean {
    return this.httpStatus === 429 || this.larkCode === 99991400 || this.larkCode === 230020;
  }

  get isStaleToken(): boolean {
    return this.larkCode === 99991663 || this.larkCode === 99991664 || this.larkCode === 99991661;
  }

  /** The app lacks a scope for this API (99991672 an app scope, 99991679 a user scope): until an admin grants it. */
  get isScopeRefused(): boolean {
    return this.larkCode === 99991672 || this.larkCode === 99991679;
  }

  get isRetryable(): boolean {
    return this.isRateLimit || (this.httpStatus !== undefined && this.httpStatus >= 500) || this.isStaleToken;
  }
}

/** "The network failed": timeouts, resets, refused connections — always retryable. */
export class LarkNetworkError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('lark_network', message, options);
  }
}

/**
 * An error's message as a person reads it. drizzle wraps the database's own error as "Failed query:
 * <SQL>\nparams: <values>" (the values may be anyone's data); the database's (connect ECONNREFUSED …,
 * database "x" does not exist) is the one that says what is wrong, so that one is given.
 */
export const errorMessage = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  if (err.message.startsWith('Failed query: ') && err.cause instanceof Error) return errorMessage(err.cause);
  return err.message;
};

/** Retrying cannot help (malformed payload, unknown kind): the queue row goes straight to `dead`. */
export class PermanentError extends AppError {}

/** What a paused piece of work waits for (also `/readyz`'s reason codes). */
export type ResourceReason = 'disk_low' | 'store_unwritable' | 'database_unreachable' | 'database_busy';

/** Reasons that are the database's: all work waits for them, not one kind. */
export const isDatabaseReason = (r: ResourceReason): boolean =>
  r === 'database_unreachable' || r === 'database_busy';

/**
 * A resource the work needs is missing right now (free disk below the floor, the file store not
 * writable, the database unreachable). Not a failure: the queue worker gives the attempt back and
 * pauses that kind of work until the resource returns.
 */
export class ResourceUnavailableError extends AppError {
  constructor(
    readonly reason: ResourceReason,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? reason, message, options);
  }
}

/** Connection-level failures of postgres.js / PGlite / the network to the database. */
const DB_CONNECTION_CODES = new Set([
  // Lark's network errors arrive wrapped (LarkNetworkError), so a bare refusal is the database's.
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '08001', // sqlclient_unable_to_establish_sqlconnection
]);
/**
 * The socket to the database broke under a query (a restart, a failover, a backend terminated:
 * postgres.js reports the server's RST as `read ECONNRESET`). Only under a query drizzle wrapped
 * ("Failed query: …"): a bare ECONNRESET is a download stream's, retried as usual.
 */
const DB_QUERY_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
/**
 * The embedded database (PGlite) closed or closing: it has no connection to lose, and is closed only
 * when the bot stops. Work that meets it then did not fail; it runs again after the restart. PGlite
 * throws a plain Error with this text (test/unit/resource-problem.test.ts holds it to the real one).
 */
const PGLITE_CLOSED = /^PGlite is clos(ed|ing)$/;
/** too_many_connections: max_connections or a CONNECTION LIMIT is reached for now (it frees up). */
const DB_BUSY = '53300';

/** deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back, nothing of it kept. */
const DB_CONFLICT_CODES = new Set(['40P01', '40001']);

/**
 * Whether the error is PostgreSQL rolling back a transaction that collided with another (a deadlock
 * or a serialization failure) anywhere in its cause chain: running the same work again is safe.
 */
export function transactionConflict(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DB_CONFLICT_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The resource problem behind an error, if it is one: a ResourceUnavailableError anywhere in its
 * cause chain, or a database connection failure (drizzle wraps the driver's error as `cause`).
 * Lark's network errors are not ours to wait for (they are retried as usual).
 */
export function resourceProblem(err: unknown): ResourceUnavailableError | undefined {
  let e: unknown = err;
  let underQuery = false;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof ResourceUnavailableError) return e;
    if (e instanceof LarkApiError || e instanceof LarkNetworkError) return undefined;
    const code = (e as { code?: unknown }).code;
    if (underQuery && typeof code === 'string' && DB_QUERY_SOCKET_CODES.has(code))
      return new ResourceUnavailableError('database_unreachable', `数据库连接中断（${code}）`, {
        cause: e,
      });
    if (e instanceof Error && e.message.startsWith('Failed query: ')) underQuery = true;
    if (code === DB_BUSY && !(e instanceof AppError))
      return new ResourceUnavailableError('database_busy', `数据库连接数已满（${code}：max_connections）`, {
        cause: e,
      });
    if (typeof code === 'string' && DB_CONNECTION_CODES.has(code) && !(e instanceof AppError))
      return new ResourceUnavailableError('database_unreachable', `数据库连不上（${code}）`, {
        cause: e,
      });
    if (e instanceof Error && !(e instanceof AppError) && PGLITE_CLOSED.test(e.message))
      return new ResourceUnavailableError('database_unreachable', '内置数据库已关闭（机器人正在停止）', {
        cause: e,
      });
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
