import { loadSharp } from './load-on-first-use.js';

export interface ThumbnailOptions {
  /** Target width in px (never enlarged). */
  width?: number;
  /** Refuse images with more pixels than this (decompression bombs). */
  limitInputPixels?: number;
  quality?: number;
  timeoutSeconds?: number;
}

/**
 * A small JPEG preview of an image file, upright (EXIF orientation applied). Returns null for
 * anything sharp cannot or should not decode (unsupported format, corrupt, too many pixels).
 */
export async function makeThumbnail(path: string, options: ThumbnailOptions = {}): Promise<Buffer | null> {
  const sharp = await loadSharp();
  try {
    return await sharp(path, {
      limitInputPixels: options.limitInputPixels ?? 100_000_000,
      failOn: 'error',
      sequentialRead: true,
    })
      .autoOrient()
      .resize({ width: options.width ?? 320, withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: options.quality ?? 75 })
      .timeout({ seconds: options.timeoutSeconds ?? 30 })
      .toBuffer();
  } catch {
    return null;
  }
}
