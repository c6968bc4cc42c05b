import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { computeSignature } from '../../src/lark/webhook-crypto.js';

/** Encrypts a payload the way Lark does (AES-256-CBC, key sha256(encryptKey), random IV prefixed). */
export function encryptPayload(payload: unknown, encryptKey: string, iv = randomBytes(16)): string {
  const key = createHash('sha256').update(encryptKey, 'utf8').digest();
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final()]).toString('base64');
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** A genuine Lark push: encrypted body + timestamp/nonce/signature headers. */
export function signedRequest(
  payload: unknown,
  encryptKey: string,
  opts: { timestampSeconds?: number; nonce?: string; encrypt?: boolean } = {},
): SignedRequest {
  const timestamp = String(opts.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? String(Math.floor(Math.random() * 1e9));
  const body =
    opts.encrypt === false
      ? JSON.stringify(payload)
      : JSON.stringify({ encrypt: encryptPayload(payload, encryptKey) });
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': computeSignature(timestamp, nonce, encryptKey, Buffer.from(body)),
    },
  };
}
