import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

/** `X-Lark-Signature` = hex(sha256(timestamp + nonce + encryptKey + rawBody)), computed over raw bytes. */
export function computeSignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Buffer,
): string {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(timestamp + nonce + encryptKey, 'utf8'), rawBody]))
    .digest('hex');
}

/** Constant-time comparison of the signature header with the expected value. */
export function signatureMatches(
  header: string | undefined,
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Buffer,
): boolean {
  if (!header || !/^[0-9a-f]{64}$/i.test(header)) return false;
  const expected = Buffer.from(computeSignature(timestamp, nonce, encryptKey, rawBody), 'hex');
  return timingSafeEqual(expected, Buffer.from(header.toLowerCase(), 'hex'));
}

/** Decrypts Lark's `encrypt` field: AES-256-CBC, key = sha256(encryptKey), IV = first 16 bytes. */
export function decryptEvent(encrypt: string, encryptKey: string): string {
  const data = Buffer.from(encrypt, 'base64');
  if (data.length < 32 || data.length % 16 !== 0) throw new Error('encrypted payload has a bad length');
  const key = createHash('sha256').update(encryptKey, 'utf8').digest();
  const decipher = createDecipheriv('aes-256-cbc', key, data.subarray(0, 16));
  return Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]).toString('utf8');
}

/** Constant-time string equality (verification tokens). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
