import { createHash } from 'node:crypto';

/**
 * Lark's `uuid` idempotency key (≤ 50 chars) for a logical send: the same parts give the same key,
 * so a retried send posts once.
 */
export function sendKey(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 40);
}
