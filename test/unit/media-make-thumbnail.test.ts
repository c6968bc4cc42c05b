import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeThumbnail } from '../../src/media/make-thumbnail.js';

/** A valid PNG header announcing width×height pixels, with (almost) no pixel data behind it. */
function pngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('makeThumbnail', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'thumb-'));
    const canvas = (w: number, h: number) =>
      sharp({ create: { width: w, height: h, channels: 3, background: '#48c' } });
    await canvas(1600, 1200).jpeg().toFile(file('landscape.jpg'));
    await canvas(1500, 1000).jpeg().withMetadata({ orientation: 6 }).toFile(file('rotated.jpg'));
    await canvas(100, 80).png().toFile(file('tiny.png'));
    writeFileSync(file('bomb.png'), pngBomb(20000, 20000));
    writeFileSync(file('garbage.jpg'), Buffer.from('definitely not a jpeg'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a 320 px wide JPEG', async () => {
    const thumb = await makeThumbnail(file('landscape.jpg'));
    expect(thumb).not.toBeNull();
    const meta = await sharp(thumb!).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
  });

  it('turns the picture upright by its EXIF orientation', async () => {
    const meta = await sharp((await makeThumbnail(file('rotated.jpg')))!).metadata();
    expect(meta).toMatchObject({ width: 320, height: 480 });
  });

  it('does not enlarge small pictures', async () => {
    const meta = await sharp((await makeThumbnail(file('tiny.png')))!).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 100, height: 80 });
  });

  it('returns null for a decompression bomb instead of decoding 400 MP', async () => {
    // The header is valid and sharp refuses it for its size, not for being corrupt.
    expect(await sharp(file('bomb.png'), { limitInputPixels: false }).metadata()).toMatchObject({
      width: 20000,
      height: 20000,
    });
    await expect(
      sharp(file('bomb.png'), { limitInputPixels: 100_000_000 }).jpeg().toBuffer(),
    ).rejects.toThrow(/pixel limit/);
    const before = process.memoryUsage().rss;
    expect(await makeThumbnail(file('bomb.png'))).toBeNull();
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    expect(await makeThumbnail(file('bomb.png'), { limitInputPixels: 1000 })).toBeNull();
  });

  it('returns null for garbage and missing files', async () => {
    expect(await makeThumbnail(file('garbage.jpg'))).toBeNull();
    expect(await makeThumbnail(file('missing.jpg'))).toBeNull();
  });
});
