import sharp from 'sharp';

/**
 * A small distinct JPEG (no EXIF: looks compressed) for tests that only need "a photo". The seed is
 * written into the file as a JPEG comment: the colour alone repeats every 256 seeds and near colours
 * encode to the same bytes, so two random seeds gave one file now and then — and the bot rightly counts
 * the same photo once (n_photo 2 of 3 in recall-message, full runs). The same seed gives the same file.
 */
export async function jpeg(seed: number, size = 64): Promise<Buffer> {
  const image = await sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 53) % 256 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
  const text = Buffer.from(`test photo ${seed}`, 'latin1');
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xfffe, 0); // COM, right after SOI
  marker.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), marker, text, image.subarray(2)]);
}
