import { createHash } from 'node:crypto';

/**
 * Lark's `uuid` idempotency key (≤ 50 chars) for a logical send: the same parts give the same key,
 * so a retried send posts once.
 */
export function sendKey(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 40);
}

/**
 * The `uuid` Lark sees: Lark keeps a uuid for an hour per app, across every install of that app, so a
 * key unique in one database (`burst-1`) is made unique everywhere by mixing in the install's id.
 */
export function installScopedUuid(installId: string, uuid: string): string {
  return sendKey('install', installId, uuid);
}
