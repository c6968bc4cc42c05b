import { Transform, type Readable } from 'node:stream';
import { LarkNetworkError } from '../errors.js';

/** Reads one header from a plain object or AxiosHeaders, case-insensitively. */
export function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const h = headers as Record<string, unknown> & { get?: (n: string) => unknown };
  const raw = typeof h.get === 'function' ? h.get(name) : (h[name.toLowerCase()] ?? h[name]);
  const v = Array.isArray(raw) ? raw[0] : raw;
  return v === undefined || v === null ? undefined : String(v);
}

/** `bytes 0-99/1234` → {start, end, total}; undefined for anything else (incl. the unsatisfied-range form). */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number } | undefined {
  const m = value ? /^bytes\s+(\d+)-(\d+)\/(\d+)$/i.exec(value.trim()) : null;
  return m ? { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) } : undefined;
}

/** Node hands header bytes over as latin1; recover UTF-8 names sent without RFC 5987 encoding. */
const fromLatin1 = (s: string): string => {
  const codes = [...s].map((c) => c.codePointAt(0)!);
  if (!codes.some((c) => c >= 0x80) || codes.some((c) => c > 0xff)) return s;
  const utf8 = Buffer.from(s, 'latin1').toString('utf8');
  return utf8.includes('\ufffd') ? s : utf8;
};

/**
 * The file name from Content-Disposition: `filename*=UTF-8''%E9%AA%8C.pdf` (RFC 5987/6266) wins
 * over `filename="…"`. Metadata only: never use it as a path.
 */
export function parseContentDisposition(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const star = /filename\*\s*=\s*([\w!#$&+.^`|~-]+)'[^']*'([^;\s]+)/i.exec(value);
  if (star) {
    const charset = star[1]!.toLowerCase();
    try {
      if (charset === 'utf-8') return decodeURIComponent(star[2]!);
      const bytes = star[2]!.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
        String.fromCharCode(parseInt(hex, 16)),
      );
      return bytes;
    } catch {
      // Fall back to the plain parameter.
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(value);
  if (quoted) return fromLatin1(quoted[1]!.replace(/\\(.)/g, '$1'));
  const bare = /filename\s*=\s*([^;\s]+)/i.exec(value);
  return bare ? fromLatin1(bare[1]!) : undefined;
}

/**
 * Wraps a download stream: destroys it with a LarkNetworkError when no byte arrived for
 * `idleTimeoutMs` (a stalled consumer counts as idle too), when the connection breaks, or when it
 * ends short of `expectedBytes` (so a truncated body is an error, never a short "success").
 */
export function guardDownload(
  source: Readable,
  opts: { idleTimeoutMs: number; expectedBytes?: number; what: string },
): Readable {
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      arm();
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(timer);
      if (opts.expectedBytes !== undefined && received !== opts.expectedBytes) {
        done(new LarkNetworkError(`${opts.what}: got ${received} of ${opts.expectedBytes} bytes`));
      } else done();
    },
  });
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => fail(new LarkNetworkError(`${opts.what}: no data for ${opts.idleTimeoutMs} ms`)),
      opts.idleTimeoutMs,
    );
    timer.unref();
  };
  const fail = (err: Error) => {
    if (guard.destroyed) return;
    guard.destroy(
      err instanceof LarkNetworkError
        ? err
        : new LarkNetworkError(`${opts.what}: ${err.message}`, { cause: err }),
    );
  };
  let ended = false;
  source.on('end', () => (ended = true));
  source.on('error', fail);
  // A source that closes without 'end' or 'error' would otherwise leave the reader waiting forever.
  source.on('close', () => {
    if (!ended) fail(new LarkNetworkError(`${opts.what}: connection closed after ${received} bytes`));
  });
  guard.on('close', () => {
    clearTimeout(timer);
    if (!source.destroyed) source.destroy();
  });
  arm();
  source.pipe(guard);
  return guard;
}
