import { describe, expect, it } from 'vitest';
import { suggestedCommandWord } from '../../src/domain/command-suggestion.js';

const commands = [
  { name: 'unfiled', words: ['未归档', '没归档', '未交', 'unfiled'] },
  { name: 'progress', words: ['进度', '完成情况', 'progress'] },
  { name: 'missing', words: ['缺什么', '缺', '待交', 'missing'] },
  { name: 'bind', words: ['绑定', 'bind'] },
  { name: 'find', words: ['查', '查找', '查询', 'find'] },
  { name: 'help', words: ['帮助', 'help', '?'] },
];

describe('suggestedCommandWord', () => {
  it.each([
    ['未規档', '未归档'],
    ['进渡', '进度'],
    ['进度呢', '进度'],
    ['hepl', 'help'],
    ['progres 东村', 'progress'],
    ['查看', '查找'],
  ])('%s → %s', (text, word) => expect(suggestedCommandWord(text, commands)).toBe(word));

  it.each([
    ['你好'],
    ['好的'],
    ['hi'],
    ['x'],
    // One edit from both bind and find: two commands, no guess.
    ['kind'],
    // Two edits away.
    ['归档吧'],
    ['村委会议 3月'],
  ])('%s → nothing', (text) => expect(suggestedCommandWord(text, commands)).toBeUndefined());
});
