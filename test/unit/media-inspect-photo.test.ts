import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectPhoto } from '../../src/media/inspect-photo.js';
import { readJpegHeader } from '../../src/media/jpeg-header.js';
import { localTimeToUtc, parseExifDateTime } from '../../src/media/local-time-to-utc.js';

/** The zone EXIF times without an offset are read in (the bot passes its TZ). */
const SHANGHAI = { timeZone: 'Asia/Shanghai' };

const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '39/1 54/1 3000/100',
  GPSLongitudeRef: 'E',
  GPSLongitude: '116/1 23/1 1200/100',
};

describe('inspectPhoto', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inspect-photo-'));
    const canvas = (w: number, h: number) =>
      sharp({ create: { width: w, height: h, channels: 3, background: '#6a8' } });
    await canvas(2400, 1600)
      .jpeg()
      .withExif({
        IFD0: { Make: 'HUAWEI', Model: 'ELS-AN00' },
        IFD2: { DateTimeOriginal: '2024:05:01 10:30:00' },
        IFD3: GPS,
      })
      .toFile(file('camera.jpg'));
    await canvas(2400, 1600)
      .jpeg()
      .withExif({
        IFD2: { DateTimeOriginal: '2024:05:01 10:30:00', OffsetTimeOriginal: '-05:00' },
        IFD3: { ...GPS, GPSLatitudeRef: 'S' },
      })
      .toFile(file('offset.jpg'));
    await canvas(1280, 960)
      .jpeg()
      .withExif({ IFD0: { Make: 'Xiaomi' }, IFD2: { DateTimeOriginal: '2023:12:31 23:59:59' } })
      .toFile(file('small.jpg'));
    await canvas(2400, 1600).png().toFile(file('no-exif.png'));
    await canvas(3000, 2000)
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExifMerge({ IFD0: { Make: 'Canon' } })
      .toFile(file('rotated.jpg'));
    writeFileSync(file('garbage.jpg'), 'not an image at all');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads capture time (in the zone given), GPS, camera and size', async () => {
    const info = await inspectPhoto(file('camera.jpg'), SHANGHAI);
    expect(info.takenAt?.toISOString()).toBe('2024-05-01T02:30:00.000Z');
    expect(info.gpsLat).toBeCloseTo(39.908333, 5);
    expect(info.gpsLng).toBeCloseTo(116.386667, 5);
    expect(info).toMatchObject({ cameraMake: 'HUAWEI', cameraModel: 'ELS-AN00', width: 2400, height: 1600 });
    expect(info).toMatchObject({ hasExif: true, quality: 'ok' });
  });

  it('takes the zone as a parameter and honours an EXIF offset tag', async () => {
    const utc = await inspectPhoto(file('camera.jpg'), { timeZone: 'UTC' });
    expect(utc.takenAt?.toISOString()).toBe('2024-05-01T10:30:00.000Z');
    const withOffset = await inspectPhoto(file('offset.jpg'), SHANGHAI);
    expect(withOffset.takenAt?.toISOString()).toBe('2024-05-01T15:30:00.000Z');
    expect(withOffset.gpsLat).toBeCloseTo(-39.908333, 5);
  });

  it('marks small pictures as compressed; a large one without EXIF (a scan) is not', async () => {
    expect(await inspectPhoto(file('small.jpg'), SHANGHAI)).toMatchObject({
      quality: 'compressed',
      hasExif: true,
      width: 1280,
      takenAt: new Date('2023-12-31T15:59:59Z'),
    });
    const png = await inspectPhoto(file('no-exif.png'), SHANGHAI);
    expect(png).toEqual({ hasExif: false, quality: 'ok', width: 2400, height: 1600 });
  });

  it('reports the upright size of a rotated photo', async () => {
    expect(await inspectPhoto(file('rotated.jpg'), SHANGHAI)).toMatchObject({
      width: 2000,
      height: 3000,
      quality: 'ok',
    });
  });

  it("a JPEG's size and EXIF come from its first bytes, as sharp and exifr read them from the whole file", async () => {
    const base = await sharp({ create: { width: 1500, height: 1000, channels: 3, background: '#68a' } })
      .jpeg()
      .withMetadata({ orientation: 8 })
      .withExifMerge({ IFD0: { Make: 'OPPO' }, IFD2: { DateTimeOriginal: '2024:06:01 08:00:00' } })
      .toBuffer();
    // 200 KiB of APP15 segments before everything else: the header no longer fits the first bytes read.
    const pad = Buffer.concat(
      Array.from({ length: 4 }, () =>
        Buffer.concat([Buffer.from([0xff, 0xef, 0xc8, 0x02]), Buffer.alloc(0xc800)]),
      ),
    );
    writeFileSync(file('padded.jpg'), Buffer.concat([base.subarray(0, 2), pad, base.subarray(2)]));
    await sharp(base).jpeg({ progressive: true }).keepMetadata().toFile(file('progressive.jpg'));
    writeFileSync(file('rotated-8.jpg'), base);
    for (const name of ['camera.jpg', 'rotated.jpg', 'rotated-8.jpg', 'progressive.jpg', 'padded.jpg']) {
      const meta = await sharp(file(name)).metadata();
      const info = await inspectPhoto(file(name), SHANGHAI);
      expect([name, info.width, info.height]).toEqual([name, meta.autoOrient.width, meta.autoOrient.height]);
    }
    expect(await inspectPhoto(file('rotated-8.jpg'), SHANGHAI)).toMatchObject({
      cameraMake: 'OPPO',
      width: 1000,
      height: 1500,
    });
  });

  it('readJpegHeader: the frame size and where the scan starts, or nothing when the bytes cannot say', async () => {
    const jpg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    const h = readJpegHeader(jpg)!;
    expect(h).toMatchObject({ width: 64, height: 48 });
    expect([jpg[h.headerBytes], jpg[h.headerBytes + 1]]).toEqual([0xff, 0xda]);
    expect(readJpegHeader(jpg.subarray(0, h.headerBytes))).toBeUndefined();
    expect(readJpegHeader(Buffer.from('not a jpeg'))).toBeUndefined();
    expect(readJpegHeader(await sharp(jpg).png().toBuffer())).toBeUndefined();
  });

  it('never throws on garbage or a missing file', async () => {
    expect(await inspectPhoto(file('garbage.jpg'), SHANGHAI)).toEqual({ hasExif: false, quality: 'ok' });
    expect(await inspectPhoto(file('missing.jpg'), SHANGHAI)).toEqual({ hasExif: false, quality: 'ok' });
  });
});

describe('EXIF time helpers', () => {
  it('parses EXIF date-times and rejects nonsense', () => {
    expect(parseExifDateTime('2024:02:29 08:00:01')).toEqual({
      year: 2024,
      month: 2,
      day: 29,
      hour: 8,
      minute: 0,
      second: 1,
    });
    expect(parseExifDateTime('0000:00:00 00:00:00')).toBeUndefined();
    expect(parseExifDateTime('    :  :     :  :  ')).toBeUndefined();
  });

  it('converts wall-clock time in a zone to UTC, DST zones included', () => {
    const p = { year: 2024, month: 7, day: 1, hour: 12, minute: 0, second: 0 };
    expect(localTimeToUtc(p, 'Asia/Shanghai').toISOString()).toBe('2024-07-01T04:00:00.000Z');
    expect(localTimeToUtc(p, 'Europe/Berlin').toISOString()).toBe('2024-07-01T10:00:00.000Z');
    expect(localTimeToUtc({ ...p, month: 1 }, 'Europe/Berlin').toISOString()).toBe(
      '2024-01-01T11:00:00.000Z',
    );
  });
});
