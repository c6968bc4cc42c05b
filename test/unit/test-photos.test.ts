import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { jpeg } from '../support/photos.js';
it('test photos: each seed its own file, the same seed the same file, a JPEG sharp reads', async () => {
  const hs = new Set<string>();
  for (let s = 0; s < 600; s++)
    hs.add(
      createHash('sha256')
        .update(await jpeg(s))
        .digest('hex'),
    );
  expect(hs.size).toBe(600);
  const m = await sharp(await jpeg(5)).metadata();
  expect(m.format).toBe('jpeg');
  expect((await jpeg(7)).equals(await jpeg(7))).toBe(true);
});
