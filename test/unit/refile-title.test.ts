import { describe, expect, it } from 'vitest';
import { titleAfterRefile } from '../../src/domain/checklist-filing.js';

describe('题名 of an item moved to another task (改归)', () => {
  const meeting = { title: '村两委会议记录' };
  const photos = { title: '识别公示照片' };
  it('the old task’s own 题名 becomes the new task’s, household head included', () => {
    expect(titleAfterRefile('村两委会议记录', meeting, photos)).toBe('识别公示照片');
    expect(
      titleAfterRefile(
        '张三户 贫困户申请书',
        { title: '贫困户申请书', householdName: '张三' },
        { title: '贫困户申请书', householdName: '李四' },
      ),
    ).toBe('李四户 贫困户申请书');
  });
  it('a 题名 from a caption stays; so does one the move would not change', () => {
    expect(titleAfterRefile('3月5日村两委会', meeting, photos)).toBeUndefined();
    expect(titleAfterRefile('村两委会议记录', meeting, { title: '村两委会议记录' })).toBeUndefined();
  });
});
