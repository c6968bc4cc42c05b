import { describe, expect, it } from 'vitest';
import { urgerLabel } from '../../src/domain/urger-label.js';

describe('urgerLabel: who a 督办 says pressed it', () => {
  const county = { unitName: '平安县', depth: 3 };
  const township = { unitName: '城关镇', depth: 4 };
  it('names the role on the unit and the name', () => {
    expect(urgerLabel([{ role: 'leader', ...township }], '张三')).toBe('城关镇领导 张三');
  });
  it('prefers a leader to an archivist or admin, then the nearest unit', () => {
    expect(
      urgerLabel(
        [
          { role: 'admin', ...township },
          { role: 'leader', ...county },
          { role: 'archivist', ...township },
          { role: 'leader', ...township },
        ],
        '张三',
      ),
    ).toBe('城关镇领导 张三');
    expect(
      urgerLabel(
        [
          { role: 'admin', ...county },
          { role: 'archivist', ...county },
        ],
        '李四',
      ),
    ).toBe('平安县档案员 李四');
  });
  it('falls back to the role without a name, to the name without a role, and never an officer role', () => {
    expect(urgerLabel([{ role: 'leader', ...township }], undefined)).toBe('城关镇领导');
    expect(urgerLabel([{ role: 'leader', ...township }], '  ')).toBe('城关镇领导');
    expect(urgerLabel([{ role: 'officer', ...township }], '王五')).toBe('王五');
    expect(urgerLabel([], undefined)).toBe('上级');
  });
});
