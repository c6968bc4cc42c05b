import type Sharp from 'sharp';
import type Exifr from 'exifr';

// Image and type-sniffing libraries, loaded when first needed rather than when the bot or a command starts:
// sharp (libvips, and semver for its version checks) alone is about 0.35 s of CPU to load, and a start,
// /healthz or a command that never touches a file does not need any of them. Each is loaded once.
let sharp: Promise<typeof Sharp> | undefined;
let exifr: Promise<typeof Exifr> | undefined;
let fileType: Promise<typeof import('file-type')> | undefined;

export const loadSharp = (): Promise<typeof Sharp> => (sharp ??= import('sharp').then((m) => m.default));
export const loadExifr = (): Promise<typeof Exifr> => (exifr ??= import('exifr').then((m) => m.default));
export const loadFileType = (): Promise<typeof import('file-type')> => (fileType ??= import('file-type'));

/**
 * Starts loading what inspecting a downloaded file needs (type sniffing, EXIF) without waiting: called
 * when the first materials are recorded, so the loading overlaps their downloads instead of holding up
 * the first one stored. sharp is not among them: a JPEG's size comes from its header, and thumbnails
 * wait until the downloads are done. A library that fails to load fails the job that needs it, as before.
 */
export function warmInspectLibraries(): void {
  for (const load of [loadFileType, loadExifr]) void load().catch(() => {});
}
