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

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Retrying cannot help (malformed payload, unknown kind): the queue row goes straight to `dead`. */
export class PermanentError extends AppError {}
