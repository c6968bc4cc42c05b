import { describe, expect, it } from 'vitest';
import { photoGroupGaps } from '../../src/domain/photo-description-gaps.js';
import { describePhotoGroup } from '../../src/domain/photo-description.js';

const TZ = 'Asia/Shanghai';
const sentAt = new Date('2025-06-01T02:00:00Z');
const defaults = { reason: '识别公示照片', reasonFromCaption: false, place: '东村', photographer: '王村干' };

describe('DA/T 50 photo description', () => {
  it('prefers EXIF capture time over the send time; GPS never becomes the 地点 text of the 题名', () => {
    const d = describePhotoGroup(
      [
        { sentAt, takenAt: new Date('2025-05-20T02:31:00Z') },
        { sentAt, takenAt: new Date('2025-05-20T02:30:00Z'), gpsLat: 25.125, gpsLng: 99.17 },
      ],
      {},
      defaults,
      TZ,
    );
    expect(d.date).toBe('20250520');
    expect(d.timeText).toBe('2025年5月20日');
    expect(d.place).toBe('东村');
    expect(d.title).not.toMatch(/北纬|东经|25\.12/);
    expect(d.sources).toMatchObject({ time: 'exif', place: 'exif', reason: 'task', people: 'none' });
    expect(d.photographer).toBe('王村干');
    expect(d.gaps).toEqual(['reason', 'people']);
  });

  it('falls back to the send time and the unit without EXIF; a range when photos span days', () => {
    const d = describePhotoGroup(
      [{ sentAt }, { sentAt: new Date('2025-06-02T03:00:00Z') }],
      {},
      defaults,
      TZ,
    );
    expect(d.sources).toMatchObject({ time: 'sent', place: 'unit' });
    expect(d.place).toBe('东村');
    expect(d.timeText).toBe('2025年6月1日至2025年6月2日');
    expect(d.date).toBe('20250601');
    expect(d.gaps).toEqual(['reason', 'place', 'people']);
  });

  it('uses what people entered (事由, 地点, 人物) and builds 题名 from 事由, 时间, 地点, 人物', () => {
    const d = describePhotoGroup(
      [{ sentAt, takenAt: new Date('2025-05-20T02:30:00Z'), gpsLat: 25, gpsLng: 99 }],
      { reason: '危房改造竣工验收', place: '东村三组张三家', people: '王村干、张三' },
      defaults,
      TZ,
    );
    expect(d.title).toBe('危房改造竣工验收（2025年5月20日，东村三组张三家，王村干、张三）');
    expect(d.sources).toMatchObject({ reason: 'given', place: 'given', people: 'given', time: 'exif' });
    expect(d.gaps).toEqual([]);
  });

  it('a caption counts as 事由; gaps of stored groups mirror the description', () => {
    const d = describePhotoGroup(
      [{ sentAt }],
      {},
      { ...defaults, reason: '公示栏', reasonFromCaption: true },
      TZ,
    );
    expect(d.sources.reason).toBe('caption');
    expect(d.gaps).not.toContain('reason');
    const base = { taskTitle: '识别公示照片', householdName: null, reason: null, place: null, people: null };
    expect(photoGroupGaps({ ...base, title: '识别公示照片', hasGps: false })).toEqual([
      'reason',
      'place',
      'people',
    ]);
    expect(photoGroupGaps({ ...base, title: '公示栏', hasGps: true, people: '张三' })).toEqual([]);
  });
});
