import sharp from 'sharp';

/** A small distinct JPEG (no EXIF: looks compressed) for tests that only need "a photo". */
export function jpeg(seed: number, size = 64): Promise<Buffer> {
  return sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 53) % 256 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
}
