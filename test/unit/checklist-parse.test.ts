import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveDueAt } from '../../src/domain/checklist-due.js';
import { parseChecklist } from '../../src/domain/checklist-parse.js';
import { missingText, percentDone, taskState } from '../../src/domain/checklist-task-state.js';
import { DomainError } from '../../src/errors.js';
import { createWorkingCalendar } from '../../src/domain/working-days.js';

const load = (name: string) => {
  const path = `config/checklists/${name}`;
  return parseChecklist(readFileSync(path, 'utf8'), path);
};

const errorOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
};

const VALID = `code: t
title: 测试
level: village
items:
  - code: C01
    title: 会议记录
    class: 综合类
    retention: 30年
    kinds: [document, 照片]
  - code: C02
    title: 公示照片
    class: 精准识别类
    retention: 永久
    kinds: [photo]
    min_count: 2
    due: { month: 6, day: 30 }
`;

describe('checklist templates', () => {
  it('ships a village and a household template that validate', () => {
    const village = load('village-jzfp.yaml');
    const household = load('household-jzfp.yaml');
    expect(village.level).toBe('village');
    expect(village.items.length).toBeGreaterThanOrEqual(15);
    expect(village.items.length).toBeLessThanOrEqual(30);
    expect(household.level).toBe('household');
    expect(household.items.length).toBeGreaterThanOrEqual(10);
    for (const item of [...village.items, ...household.items]) {
      expect(['Y', 'D30', 'D10']).toContain(item.retention);
      expect(['综合类', '精准识别类', '精准施策类', '精准脱贫类']).toContain(item.class);
      expect(item.guidance.length).toBeGreaterThan(5);
      expect(item.keywords.length).toBeGreaterThan(0);
    }
    expect(village.items.find((i) => i.code === 'C14')?.due).toEqual({ month: 6, day: 30 });
  });

  it('retention reviewed against 国家档案局令第8号: 一户一卷 has one period, meetings and annual summaries are 永久', () => {
    const village = load('village-jzfp.yaml');
    const household = load('household-jzfp.yaml');
    // A household's papers make one volume (一户一卷), which has a single 保管期限.
    expect(new Set(household.items.map((i) => i.retention))).toEqual(new Set(['Y']));
    const ret = (code: string) => village.items.find((i) => i.code === code)?.retention;
    expect([ret('C03'), ret('C24')]).toEqual(['Y', 'Y']); // 村两委会议记录, 年度总结
    // Photos and recordings are kept as long as the work they record: no 10年 photo of a 永久 meeting.
    expect(ret('C05')).toBe(ret('C03'));
    expect(ret('C25')).not.toBe('D10');
  });

  it('normalizes retention words, kinds and defaults', () => {
    const c = parseChecklist(VALID, 'x.yaml');
    expect(c.items[0]).toMatchObject({
      retention: 'D30',
      kinds: ['document', 'photo'],
      min_count: 1,
      keywords: [],
      due: { days_before_campaign_deadline: 0 },
    });
    expect(c.items[1]?.retention).toBe('Y');
  });

  it('names the file and the field path of a missing field', () => {
    const bad = VALID.replace('    retention: 永久\n', '');
    const err = errorOf(() => parseChecklist(bad, 'config/checklists/bad.yaml'));
    expect(err.code).toBe('checklist_invalid');
    expect(err.message).toMatch(/^config\/checklists\/bad\.yaml: items\[1\]\.retention: 缺少此项/);
  });

  it('explains a bad retention value, with its line', () => {
    const bad = VALID.replace('retention: 永久', 'retention: 20年');
    const err = errorOf(() => parseChecklist(bad, 'config/checklists/bad.yaml'));
    expect(err.message).toBe(
      'config/checklists/bad.yaml: items[1].retention: 必须是 永久、30年 或 10年 (第 13 行)',
    );
  });

  it('reports every problem at once (kinds, codes, duplicates, unknown fields)', () => {
    const bad = VALID.replace('kinds: [photo]', 'kinds: [picture]')
      .replace('code: C02', 'code: C01')
      .replace('title: 测试', 'title: 测试\ncolour: red');
    const lines = errorOf(() => parseChecklist(bad, 'b.yaml')).message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^b\.yaml: items\[1\]\.kinds\[0\]: 必须是 photo/),
        expect.stringMatching(/^b\.yaml: items\[1\]\.code: 编码 C01 重复/),
        'b.yaml: (根): 不认识的字段: colour',
      ]),
    );
  });

  it('rejects broken YAML naming the line', () => {
    const err = errorOf(() => parseChecklist('code: [x\ntitle: y', 'y.yaml'));
    expect(err.message).toMatch(/^y\.yaml 第 \d+ 行: YAML 格式错误/);
  });
});

describe('due rules and task state', () => {
  const campaign = { year: 2025, deadline: new Date('2025-12-31T23:59:59+08:00') };

  const ctx = { timeZone: 'Asia/Shanghai', calendar: createWorkingCalendar() };

  it('resolves relative and fixed due dates', () => {
    expect(resolveDueAt({ days_before_campaign_deadline: 0 }, campaign, ctx)).toEqual(campaign.deadline);
    expect(resolveDueAt({ days_before_campaign_deadline: 30 }, campaign, ctx)).toEqual(
      new Date('2025-12-01T23:59:59+08:00'),
    );
    expect(resolveDueAt({ month: 6, day: 30 }, campaign, ctx)).toEqual(new Date('2025-06-30T23:59:59+08:00'));
    expect(resolveDueAt({ month: 2, day: 31 }, campaign, ctx)).toEqual(new Date('2025-02-28T23:59:59+08:00'));
    // Fixed dates end in the deployment's zone, not always UTC+8.
    expect(resolveDueAt({ month: 6, day: 30 }, campaign, { timeZone: 'Asia/Urumqi' })).toEqual(
      new Date('2025-06-30T23:59:59+06:00'),
    );
  });

  it('counts working days back over holidays and 调休 Saturdays', () => {
    // Deadline Fri 2026-10-16. 5 working days back: 10-15, 10-14, 10-13, 10-12 and Sat 10-10
    // (a 调休 working day; 10-11 is a Sunday).
    const oct = { year: 2026, deadline: new Date('2026-10-16T23:59:59+08:00') };
    expect(resolveDueAt({ working_days_before_campaign_deadline: 5 }, oct, ctx)).toEqual(
      new Date('2026-10-10T23:59:59+08:00'),
    );
    // 8 back: 10-09, 10-08, then across the 国庆 holiday (10-01 … 10-07) to 2026-09-30.
    expect(resolveDueAt({ working_days_before_campaign_deadline: 8 }, oct, ctx)).toEqual(
      new Date('2026-09-30T23:59:59+08:00'),
    );
    expect(resolveDueAt({ working_days_before_campaign_deadline: 0 }, oct, ctx)).toEqual(oct.deadline);
  });

  it('derives state, missing text and percent', () => {
    expect(taskState({ waived: false, filed: 0, minCount: 3 })).toBe('open');
    expect(taskState({ waived: false, filed: 2, minCount: 3 })).toBe('partly');
    expect(taskState({ waived: false, filed: 4, minCount: 3 })).toBe('complete');
    expect(taskState({ waived: true, filed: 0, minCount: 3 })).toBe('waived');
    expect(missingText(['photo'], 3)).toBe('还缺 3 张照片');
    expect(missingText(['document'], 1)).toBe('还缺 1 份文件');
    expect(missingText(['document', 'photo'], 2)).toBe('还缺 2 份材料（文件或照片）');
    expect(percentDone({ total: 8, complete: 2, waived: 1 })).toBe(37.5);
    expect(percentDone({ total: 0, complete: 0, waived: 0 })).toBeNull();
  });
});

describe('archive_as: what a checklist item is archived as', () => {
  it('defaults to 文书 when documents are accepted; a photographed form becomes one 文书 件', async () => {
    const { archiveAsOf, archiveKindOf } = await import('../../src/domain/checklist-filing.js');
    expect(archiveAsOf(['document', 'photo'])).toBe('document');
    expect(archiveAsOf(['photo'])).toBe('photo');
    expect(archiveAsOf(['video', 'audio'])).toBe('video');
    expect(archiveKindOf(['photo', 'photo'], 'document')).toBe('document');
    expect(archiveKindOf(['photo', 'photo'], 'photo')).toBe('photo_group');
    expect(archiveKindOf(['photo', 'document'], 'photo')).toBe('document');
    expect(archiveKindOf(['audio'], 'video')).toBe('audio');
  });
});

describe('archive_as in a checklist file', () => {
  const yaml = (archiveAs: string) =>
    `code: t\ntitle: T\nlevel: village\nitems:\n  - code: C01\n    title: 签字表\n    class: 综合类\n    retention: 永久\n    kinds: [document, photo]\n    archive_as: ${archiveAs}\n`;
  it('accepts the kinds (and their Chinese words) and refuses anything else, naming the field', () => {
    expect(parseChecklist(yaml('照片'), 'x.yaml').items[0]!.archive_as).toBe('photo');
    expect(() => parseChecklist(yaml('paper'), 'x.yaml')).toThrow(/items\[0\]\.archive_as/);
  });
});
