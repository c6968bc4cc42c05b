import { describe, expect, it } from 'vitest';
import {
  buildCatalogueEntry,
  detectDocNumber,
  ownTitleOf,
  RECALLED_REASON,
  withdrawnRemarks,
} from '../../src/domain/catalogue.js';
import { isYyyymmdd, yyyymmdd } from '../../src/domain/catalogue-date.js';

const opts = { timeZone: 'Asia/Shanghai', secrecyDefault: '' };
const mat = (o: Partial<Parameters<typeof ownTitleOf>[0][number]> = {}) => ({
  kind: 'document',
  originalName: null,
  sentAt: new Date('2025-03-04T17:00:00Z'),
  takenAt: null,
  gpsLat: null,
  gpsLng: null,
  ...o,
});
const base = {
  kind: 'document' as const,
  itemTitle: '村两委会议记录',
  taskTitle: '村两委会议记录',
  householdName: null,
  unitName: '东村',
  senderName: '王村干',
  description: null,
  recordPages: null,
};

describe('归档文件目录 fields (2015)', () => {
  it('takes defaults from the task, unit and material; brackets self-made titles', () => {
    const e = buildCatalogueEntry({ ...base, materials: [mat()] }, opts);
    expect(e).toMatchObject({
      title: '[村两委会议记录]',
      // The unit made it: the officer who sent it is not its 责任者.
      responsible: '东村',
      date: '20250305',
      pages: 1,
      secrecy: '',
    });
    const official = buildCatalogueEntry(
      { ...base, unitOfficialName: '东村村民委员会', materials: [mat(), mat()] },
      opts,
    );
    expect(official).toMatchObject({ responsible: '东村村民委员会', pages: 2 });
  });

  it("uses a document's own title (a meaningful file name) unbracketed, and finds its 文号", () => {
    const m = mat({ originalName: '县扶贫办关于开展普查工作的通知（县扶办发〔2025〕12号）.pdf' });
    const e = buildCatalogueEntry({ ...base, materials: [m], recordPages: 4 }, opts);
    expect(e.title).toBe('县扶贫办关于开展普查工作的通知（县扶办发〔2025〕12号）');
    expect(e.docNumber).toBe('县扶办发〔2025〕12号');
    expect(e.pages).toBe(4);
    expect(ownTitleOf([mat({ originalName: '微信图片_20250305.pdf' })])).toBeUndefined();
    expect(ownTitleOf([mat({ originalName: 'scan0001.pdf' })])).toBeUndefined();
    expect(detectDocNumber('无文号')).toBe('');
  });

  it('a 文号 read out of running text leaves the verbs and prepositions before it', () => {
    expect(detectDocNumber('根据县扶办发〔2025〕3号通知召开村两委会议')).toBe('县扶办发〔2025〕3号');
    expect(detectDocNumber('按照县政办发〔2025〕12号要求')).toBe('县政办发〔2025〕12号');
    expect(detectDocNumber('依据档发〔2016〕13号')).toBe('档发〔2016〕13号');
    expect(detectDocNumber('关于转发县乡振发〔2025〕3号的通知')).toBe('县乡振发〔2025〕3号');
    expect(detectDocNumber('贯彻落实国开办发[2020]6号')).toBe('国开办发[2020]6号');
    // A 代字 that itself ends in such a word keeps it; one with no word before it is unchanged.
    expect(detectDocNumber('县委印发〔2025〕1号')).toBe('县委印发〔2025〕1号');
    expect(detectDocNumber('县扶办发〔2025〕3号')).toBe('县扶办发〔2025〕3号');
  });

  it('what people entered wins over every default', () => {
    const e = buildCatalogueEntry(
      {
        ...base,
        materials: [mat()],
        description: {
          title: '关于X的会议纪要',
          responsible: '东村村民委员会',
          date: '20250301',
          pages: 9,
          secrecy: '内部',
          docNumber: '东村发〔2025〕1号',
          remarks: '原件存村委会',
        },
      },
      opts,
    );
    expect(e).toMatchObject({
      title: '关于X的会议纪要',
      responsible: '东村村民委员会',
      date: '20250301',
      pages: 9,
      secrecy: '内部',
      docNumber: '东村发〔2025〕1号',
      remarks: '原件存村委会',
    });
  });

  it('photo groups take 题名 and 日期 from the DA/T 50 description (EXIF first)', () => {
    const e = buildCatalogueEntry(
      {
        ...base,
        kind: 'photo_group',
        itemTitle: '识别公示照片',
        taskTitle: '识别公示照片',
        materials: [
          mat({ kind: 'photo', takenAt: new Date('2025-02-01T01:00:00Z') }),
          mat({ kind: 'photo' }),
        ],
      },
      opts,
    );
    expect(e.date).toBe('20250201');
    // Composed by the bot, so a self-made title in brackets (DA/T 22), like a document's.
    expect(e.title).toBe('[识别公示照片（2025年2月1日，东村）]');
    expect(e.photo?.title).toBe('识别公示照片（2025年2月1日，东村）');
    expect(e.remarks).toBe('照片2张');
    expect(e.photo?.gaps).toEqual(['reason', 'place', 'people']);
    // A 题名 a person typed for the group is used as written.
    const typed = buildCatalogueEntry(
      {
        ...base,
        kind: 'photo_group',
        itemTitle: '识别公示照片',
        taskTitle: '识别公示照片',
        materials: [mat({ kind: 'photo' })],
        description: { title: '东村2025年识别结果公示现场' },
      },
      opts,
    );
    expect(typed.title).toBe('东村2025年识别结果公示现场');
  });

  it('dates are 8 digits in the deployment zone; withdrawn numbers say so', () => {
    expect(yyyymmdd(new Date('2025-12-31T16:30:00Z'), 'Asia/Shanghai')).toBe('20260101');
    expect(isYyyymmdd('20250229')).toBe(false);
    expect(isYyyymmdd('20240229')).toBe(true);
    expect(withdrawnRemarks(new Date('2026-01-10T01:00:00Z'), 'Asia/Shanghai', 'A-0009')).toBe(
      '件号停用：2026-01-10，撤销归档确认，现档号A-0009',
    );
    // The bot's reason (every file recalled) is printed; an archivist's own reason is not.
    const at = new Date('2026-01-10T01:00:00Z');
    expect(withdrawnRemarks(at, 'Asia/Shanghai', null, RECALLED_REASON)).toBe(
      '件号停用：2026-01-10，材料已撤回，撤销归档确认',
    );
    expect(withdrawnRemarks(at, 'Asia/Shanghai', null, '测试')).toBe('件号停用：2026-01-10，撤销归档确认');
  });
});
