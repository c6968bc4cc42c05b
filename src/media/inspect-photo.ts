import { open } from 'node:fs/promises';
import { readJpegHeader } from './jpeg-header.js';
import { loadExifr, loadSharp } from './load-on-first-use.js';
import { localTimeToUtc, parseExifDateTime } from './local-time-to-utc.js';

export interface PhotoInfo {
  /** When the photo was taken (EXIF DateTimeOriginal, else CreateDate). */
  takenAt?: Date;
  gpsLat?: number;
  gpsLng?: number;
  cameraMake?: string;
  cameraModel?: string;
  /** Pixel size as displayed (EXIF orientation applied). */
  width?: number;
  height?: number;
  /** Camera EXIF present (capture time or make/model). */
  hasExif: boolean;
  /**
   * `compressed`: under 3 MP (DA/T 50's 300万像素), probably re-encoded by the chat client. A large
   * picture without camera EXIF (a scan, a screenshot) is not: its missing EXIF is `hasExif` alone.
   */
  quality: 'ok' | 'compressed';
}

export interface InspectPhotoOptions {
  /** Zone of EXIF times without an offset tag (cameras record local wall-clock time). */
  timeZone: string;
  /** Below this many pixels a photo counts as compressed. */
  minPixels?: number;
}

const EXIF_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  reviveValues: false,
  translateValues: false,
  mergeOutput: true,
};

/** A JPEG's marker segments (EXIF at most 64 KiB, ICC profiles …) nearly always end within this. */
const HEAD_BYTES = 128 * 1024;
/** EXIF orientations that turn the picture a quarter: its upright width is its stored height. */
const QUARTER_TURNS = new Set([5, 6, 7, 8]);

/**
 * Reads capture time, place, camera and size of a stored photo. Never throws: unknown stays undefined.
 * A JPEG (nearly every photo) is read once: its first bytes hold the EXIF segment and the frame size,
 * so neither exifr nor sharp opens the file; anything else goes through exifr and sharp's metadata.
 */
export async function inspectPhoto(path: string, options: InspectPhotoOptions): Promise<PhotoInfo> {
  const { timeZone } = options;
  const head = await readHead(path, HEAD_BYTES).catch(() => undefined);
  const jpeg = head ? readJpegHeader(head) : undefined;
  const exifr = await loadExifr();
  const source = jpeg ? head!.subarray(0, jpeg.headerBytes) : path;
  const tags: Record<string, unknown> =
    (await exifr.parse(source, EXIF_OPTIONS).catch(() => undefined)) ?? {};
  const info: PhotoInfo = { hasExif: false, quality: 'ok' };

  const takenAt =
    exifTime(tags.DateTimeOriginal, tags.OffsetTimeOriginal ?? tags.OffsetTime, timeZone) ??
    exifTime(tags.CreateDate, tags.OffsetTimeDigitized ?? tags.OffsetTime, timeZone);
  if (takenAt) info.takenAt = takenAt;
  const make = text(tags.Make);
  const model = text(tags.Model);
  if (make) info.cameraMake = make;
  if (model) info.cameraModel = model;
  const lat = tags.latitude;
  const lng = tags.longitude;
  if (isCoord(lat, 90) && isCoord(lng, 180) && !(lat === 0 && lng === 0)) {
    info.gpsLat = lat;
    info.gpsLng = lng;
  }
  info.hasExif = Boolean(takenAt || make || model);

  let width: number | undefined;
  let height: number | undefined;
  if (jpeg) {
    const turned = QUARTER_TURNS.has(Number(tags.Orientation));
    width = turned ? jpeg.height : jpeg.width;
    height = turned ? jpeg.width : jpeg.height;
  } else {
    const sharp = await loadSharp();
    const meta = await sharp(path, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    width = meta?.autoOrient?.width ?? meta?.width ?? positive(tags.ExifImageWidth);
    height = meta?.autoOrient?.height ?? meta?.height ?? positive(tags.ExifImageHeight);
  }
  if (width && height) {
    info.width = width;
    info.height = height;
  }
  // Only a picture known to be small is called compressed: one without EXIF but large enough (a scan,
  // a screenshot) is not, and advising 「原图」 for it helps nobody; one whose size cannot be read is not
  // claimed to be anything.
  const small = width && height ? width * height < (options.minPixels ?? 3_000_000) : false;
  info.quality = small ? 'compressed' : 'ok';
  return info;
}

/** The file's first `max` bytes (fewer for a smaller file). */
async function readHead(path: string, max: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(max);
    const { bytesRead } = await fh.read(buf, 0, max, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function exifTime(value: unknown, offset: unknown, timeZone: string): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = parseExifDateTime(value);
  if (!parts) return undefined;
  const m = typeof offset === 'string' ? /^([+-])(\d{2}):?(\d{2})$/.exec(offset.trim()) : null;
  if (!m) return localTimeToUtc(parts, timeZone);
  const sign = m[1] === '-' ? -1 : 1;
  const offsetMs = sign * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  const { year, month, day, hour, minute, second } = parts;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offsetMs);
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.replace(/\0/g, '').trim() ? v.replace(/\0/g, '').trim() : undefined;
const isCoord = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= max;
const positive = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);
