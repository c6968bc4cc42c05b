export type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

export interface WaitOptions {
  timeoutMs?: number;
  everyMs?: number;
}

/**
 * Polls `fn` until `ok` holds for its value (default: the value is truthy), or fails after
 * `timeoutMs` naming `what` and the last value. A check that throws fails the wait at once: an
 * error is a finding, not something to wait out.
 */
export function waitFor<T>(what: string, fn: () => Promise<T> | T, o?: WaitOptions): Promise<Truthy<T>>;
export function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  ok: (v: T) => boolean,
  o?: WaitOptions,
): Promise<T>;
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  okOrOptions?: ((v: T) => boolean) | WaitOptions,
  options: WaitOptions = {},
): Promise<T> {
  const ok = typeof okOrOptions === 'function' ? okOrOptions : Boolean;
  const { timeoutMs = 15_000, everyMs = 50 } = typeof okOrOptions === 'object' ? okOrOptions : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
