import { describe, expect, it } from 'vitest';
import { buildCatalogueEntry } from '../../src/domain/catalogue.js';
import { issuerOf, issuerPrefixOf } from '../../src/domain/doc-issuer.js';

const doc = (title: string, name: string | null = null) => ({
  kind: 'document' as const,
  itemTitle: title,
  taskTitle: '上级扶贫政策文件（收文）',
  householdName: null,
  unitName: '东村',
  unitOfficialName: '东村村民委员会',
  senderName: '王村干',
  materials: [
    {
      kind: 'document',
      originalName: name,
      sentAt: new Date('2025-06-01T02:00:00Z'),
      takenAt: null,
      gpsLat: null,
      gpsLng: null,
    },
  ],
  description: null,
  recordPages: 1,
});
const opts = { timeZone: 'Asia/Shanghai', secrecyDefault: '', issuers: { 县乡振发: '测试县乡村振兴局' } };

describe('文号 → 发文机关', () => {
  it('reads the 机关代字 before the year', () => {
    expect(issuerPrefixOf('县乡振发〔2025〕3号')).toBe('县乡振发');
    expect(issuerPrefixOf('档发[2016]13号')).toBe('档发');
    expect(issuerPrefixOf('第3号')).toBeUndefined();
  });

  it('maps configured and national prefixes; an unknown one gives nothing', () => {
    expect(issuerOf('县乡振发〔2025〕3号', opts.issuers)).toBe('测试县乡村振兴局');
    expect(issuerOf('档发〔2016〕13号')).toBe('国家档案局');
    expect(issuerOf('档发〔2016〕13号', { 档发: '另一个机关' })).toBe('另一个机关');
    expect(issuerOf('乡政发〔2025〕1号', opts.issuers)).toBeUndefined();
    expect(issuerOf('')).toBeUndefined();
    // Words before the 机关代字 (a 文号 read out of a caption) do not hide it.
    expect(issuerOf('转发县乡振发〔2025〕3号', opts.issuers)).toBe('测试县乡村振兴局');
    expect(issuerOf('某国发〔2025〕1号')).toBeUndefined();
  });

  it('a received document’s 责任者 is its issuer; without a known 文号 it stays the unit', () => {
    expect(
      buildCatalogueEntry(doc('关于开展普查的通知', '县乡振发〔2025〕3号关于开展普查的通知.pdf'), opts),
    ).toMatchObject({
      docNumber: '县乡振发〔2025〕3号',
      responsible: '测试县乡村振兴局',
    });
    expect(buildCatalogueEntry(doc('2025年第一次村两委会议记录'), opts).responsible).toBe('东村村民委员会');
    expect(buildCatalogueEntry(doc('乡政发〔2025〕1号'), opts).responsible).toBe('东村村民委员会');
  });
});
