import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decryptEvent, signatureMatches } from '../../src/lark/webhook-crypto.js';
import { encryptPayload } from '../support/lark-sign.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/lark/${name}`, import.meta.url), 'utf8'));

describe('webhook crypto', () => {
  it('decrypts the official AES sample', () => {
    const v = fixture('aes_test_vector.official.json');
    expect(decryptEvent(v.encrypt, v.encrypt_key)).toBe(v.plaintext);
  });

  it('verifies the generated signed push and rejects a changed byte', () => {
    const f = fixture('signed_encrypted_event.http.json');
    const h = f.headers;
    const raw = Buffer.from(f.raw_body);
    const ts = h['x-lark-request-timestamp'];
    const nonce = h['x-lark-request-nonce'];
    expect(signatureMatches(h['x-lark-signature'], ts, nonce, f.encrypt_key, raw)).toBe(true);
    const tampered = Buffer.from(raw);
    tampered[20] = tampered[20]! ^ 1;
    expect(signatureMatches(h['x-lark-signature'], ts, nonce, f.encrypt_key, tampered)).toBe(false);
    expect(signatureMatches('zz', ts, nonce, f.encrypt_key, raw)).toBe(false);
    expect(signatureMatches(undefined, ts, nonce, f.encrypt_key, raw)).toBe(false);
  });

  it('round-trips our test encryption and refuses garbage', () => {
    const enc = encryptPayload({ a: '中文' }, 'k');
    expect(JSON.parse(decryptEvent(enc, 'k'))).toEqual({ a: '中文' });
    expect(() => decryptEvent('bm90IGVuY3J5cHRlZA==', 'k')).toThrow();
  });
});
