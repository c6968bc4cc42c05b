import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';

export interface BenchPhoto {
  bytes: Buffer;
  sha256: string;
}

/**
 * `n` distinct JPEGs of exactly `sizeBytes`, like photos a chat client re-encoded (1280×960, no EXIF):
 * one rendered picture, each copy made unique (and padded to size) by random bytes in JPEG comment
 * (COM) segments right after SOI, so every copy decodes, hashes differently and costs a real thumbnail.
 */
export async function makeBenchPhotos(n: number, sizeBytes: number): Promise<BenchPhoto[]> {
  const base = await sharp(randomBytes(64 * 48 * 3), { raw: { width: 64, height: 48, channels: 3 } })
    .resize(1280, 960, { kernel: 'cubic' })
    .jpeg({ quality: 80 })
    .toBuffer();
  const padding = sizeBytes - base.length;
  if (padding < 4 + 16)
    throw new Error(`photos of ${sizeBytes} bytes are too small (base JPEG is ${base.length})`);
  const out: BenchPhoto[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = Buffer.concat([base.subarray(0, 2), comSegments(padding), base.subarray(2)]);
    out.push({ bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return out;
}

/** COM segments (FF FE, 2-byte length incl. itself, ≤ 65535) totalling exactly `total` bytes. */
function comSegments(total: number): Buffer {
  const parts: Buffer[] = [];
  let left = total;
  while (left > 0) {
    // Never leave a remainder too small for a segment header (4 bytes).
    let size = Math.min(left, 65_535 + 2);
    if (left - size > 0 && left - size < 4) size -= 4;
    const seg = randomBytes(size);
    seg[0] = 0xff;
    seg[1] = 0xfe;
    seg.writeUInt16BE(size - 2, 2);
    parts.push(seg);
    left -= size;
  }
  return Buffer.concat(parts);
}
