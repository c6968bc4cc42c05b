import { randomBytes } from 'node:crypto';
import { messageEvent } from '../../test/support/events.js';
import { signedRequest } from '../../test/support/lark-sign.js';

/** One pre-signed, pre-encrypted Lark push, ready to be written by the load generator. */
export interface BenchRequest {
  eventId: string;
  body: Buffer;
  headers: Record<string, string>;
}

export interface LarkBodyOptions {
  appId: string;
  encryptKey: string;
  verificationToken: string;
  /** Target size of the raw (encrypted) body in bytes. */
  targetBytes: number;
}

// Realistic caption text: mixed Chinese (3 bytes in UTF-8) and ASCII.
const FILLER = '村委会今天上传了脱贫攻坚档案材料照片，请归档到2024年度任务 A-17。';

const caption = (chars: number): string => FILLER.repeat(Math.ceil(chars / FILLER.length)).slice(0, chars);

let serial = 0;
// Unique per process and per event, the length of Lark's ids (cheaper than randomBytes per id).
const runTag = randomBytes(6).toString('hex');
const uniqueHex = () => `${runTag}${(serial++).toString(16).padStart(20, '0')}`;

const makeOne = (o: LarkBodyOptions, text: string): BenchRequest => {
  const hex = uniqueHex();
  const payload = messageEvent({
    appId: o.appId,
    eventId: `ev${hex}`,
    messageId: `om_${hex}`,
    chatId: `oc_${hex.slice(-12)}${runTag}${hex.slice(0, 8)}`,
    content: { text },
  });
  // messageEvent signs with the test suite's token; the bench config uses its own.
  payload.header.token = o.verificationToken;
  const signed = signedRequest(payload, o.encryptKey);
  return { eventId: payload.header.event_id, body: Buffer.from(signed.body), headers: signed.headers };
};

const calibrated = new Map<string, number>();

/** Number of caption characters that makes the raw body ≈ targetBytes (AES blocks make it step by 16). */
function textCharsFor(o: LarkBodyOptions): number {
  const cacheKey = `${o.appId}|${o.targetBytes}`;
  const cached = calibrated.get(cacheKey);
  if (cached !== undefined) return cached;
  let lo = 0;
  let hi = o.targetBytes;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (makeOne(o, caption(mid)).body.length <= o.targetBytes) lo = mid;
    else hi = mid - 1;
  }
  calibrated.set(cacheKey, lo);
  return lo;
}

/** `n` unique signed + encrypted `im.message.receive_v1` pushes, timestamped now. */
export function makeLarkRequests(n: number, o: LarkBodyOptions): BenchRequest[] {
  const text = caption(textCharsFor(o));
  const out = new Array<BenchRequest>(n);
  for (let i = 0; i < n; i++) out[i] = makeOne(o, text);
  return out;
}
