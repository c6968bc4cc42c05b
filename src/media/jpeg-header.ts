/** What a JPEG's header says, read from its first bytes. */
export interface JpegHeader {
  /** Frame size (the SOF segment), as stored: EXIF orientation not applied. */
  width: number;
  height: number;
  /**
   * Bytes up to the first scan (SOS): every marker segment (EXIF, ICC …) lies inside, so reading
   * metadata from `bytes.subarray(0, headerBytes)` is the same as reading it from the whole file.
   */
  headerBytes: number;
}

/** Start-of-frame markers (SOF0–SOF15 without DHT C4, JPG C8 and DAC CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * Walks a JPEG's marker segments from its first bytes to the first scan. Undefined when the bytes
 * are not a JPEG, the scan does not start within them (a header larger than `bytes`), or the frame
 * size is not in the SOF segment (0 height: given later by a DNL marker): the caller then reads the
 * file the slow way.
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let pos = 2;
  let frame: { width: number; height: number } | undefined;
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    // Markers without a length: TEM and the restart markers (not expected before the scan).
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xd8) return undefined; // an image ended, or began again, before any scan
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (length < 2) return undefined;
    if (marker === 0xda) {
      if (!frame || frame.width === 0 || frame.height === 0) return undefined;
      return { ...frame, headerBytes: pos };
    }
    if (isSof(marker)) {
      if (pos + 9 > bytes.length) return undefined;
      if (!frame)
        frame = {
          height: (bytes[pos + 5]! << 8) | bytes[pos + 6]!,
          width: (bytes[pos + 7]! << 8) | bytes[pos + 8]!,
        };
    }
    pos += 2 + length;
  }
  return undefined;
}
