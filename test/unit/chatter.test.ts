import { describe, expect, it } from 'vitest';
import { isAcknowledgement, isChatter } from '../../src/domain/chatter.js';
import { bareCommandWord, parseCommand } from '../../src/domain/commands.js';
import type { IncomingMessage } from '../../src/domain/incoming.js';

describe('isAcknowledgement: a short reply that says nothing about the photos', () => {
  it('takes the usual words alone, repeated or together, with emoji and punctuation', () => {
    for (const text of [
      '好的',
      '好的！',
      '收到',
      '收到收到',
      '嗯嗯',
      'OK',
      'ｏｋ',
      '好的，谢谢',
      '👍',
      '👍👍',
      '👍🏻',
      '❤️',
      '[赞]',
      '[OK]',
      '好的[强][玫瑰]',
      '1',
      '+1',
      '。。',
    ])
      expect(isAcknowledgement(text), text).toBe(true);
  });

  it('leaves anything with more to say', () => {
    for (const text of ['好的明天开会', '村两委会议照片', '收到 3 张公示照片', '#C05', '好的 #C05', '张三户'])
      expect(isAcknowledgement(text), text).toBe(false);
  });

  it('leaves a bracketed word that is no Lark emoji, and anything holding a task code', () => {
    // Full-width brackets fold to [] under NFKC: 「［C05］」 is 「[C05]」.
    for (const text of [
      '[C05]',
      '［C05］',
      '【C05】',
      '[村委会议]',
      '［村委会］',
      '好的 [C05]',
      '收到 C05',
      '[赞] #C05',
    ])
      expect(isAcknowledgement(text), text).toBe(false);
  });

  it('takes a lone 「1」 (「收到请回复1」), never digits together: 「07」 or 「11」 may be a household’s number', () => {
    expect(isAcknowledgement('1')).toBe(true);
    for (const text of ['07', '11', '12号', '收到1']) expect(isAcknowledgement(text), text).toBe(false);
  });
});

describe('isChatter: a group text that is no caption', () => {
  const zhang = [{ key: '@_user_1' }];
  it('a text @-mentioning someone that only asks them to look, or only acknowledges, is said to them', () => {
    expect(isChatter('你看下', zhang)).toBe(true);
    expect(isChatter('麻烦审核一下，谢谢', zhang)).toBe(true);
    expect(isChatter('您好！', zhang)).toBe(true);
    expect(isChatter('', zhang)).toBe(true);
    expect(isChatter('收到[赞]', zhang)).toBe(true);
    expect(isChatter('@_all 好的', [])).toBe(true);
  });
  it('a text @-mentioning someone that describes something, or holds a task code, is a caption', () => {
    expect(isChatter('@_all 今天村两委会议', [])).toBe(false);
    expect(isChatter('今天村两委会议', zhang)).toBe(false);
    expect(isChatter('#C05 会议照片', zhang)).toBe(false);
    expect(isChatter('#C05 你看下', zhang)).toBe(false);
    expect(isChatter('@_all #C05', [])).toBe(false);
  });
  it('an acknowledgement is chatter; a description or a task code is not', () => {
    expect(isChatter('好的', [])).toBe(true);
    expect(isChatter('村两委会议照片', [])).toBe(false);
    expect(isChatter('明天开会', [])).toBe(false);
    expect(isChatter('[C05]', [])).toBe(false);
    expect(isChatter('［C05］村委会', [])).toBe(false);
    // Without a mention, a request to look names no one: it stays a text (to the bot it is answered).
    expect(isChatter('看看', [])).toBe(false);
    expect(isChatter('你好', [])).toBe(false);
  });
});

describe('bare command words in a group', () => {
  const group = (text: string, mentions: IncomingMessage['mentions'] = []): IncomingMessage => ({
    messageId: 'om_1',
    chatId: 'oc_1',
    chatType: 'group',
    senderOpenId: 'ou_1',
    senderType: 'user',
    msgType: 'text',
    content: JSON.stringify({ text }),
    sentAt: new Date(0),
    mentions,
  });
  const commands = [
    { name: 'missing', words: ['缺什么'], bare: ['缺什么'] },
    { name: 'progress', words: ['进度'] },
    { name: 'unfiled', words: ['未归档'] },
    { name: 'help', words: ['帮助', '?', '？'] },
  ];
  const bot = { key: '@_user_1', openId: 'ou_bot', name: '归档助手' };
  const toBot = (text: string) => group(`@_user_1 ${text}`, [bot]);

  it('the word alone, trailing punctuation aside, is the command', () => {
    expect(bareCommandWord('缺什么？？')).toBe('缺什么');
    expect(bareCommandWord('HELP!')).toBe('help');
    for (const text of ['缺什么', '缺什么？', '缺什么?', ' 缺什么。'])
      expect(parseCommand(group(text), 'ou_bot', commands)?.name, text).toBe('missing');
  });

  it('a sentence with the word, or the word said to someone, is not', () => {
    expect(parseCommand(group('还缺什么材料'), 'ou_bot', commands)).toBeUndefined();
    expect(parseCommand(group('？缺什么'), 'ou_bot', commands)).toBeUndefined();
    const toZhang = group('@_user_1 缺什么', [{ key: '@_user_1', openId: 'ou_zhang', name: '张三' }]);
    expect(parseCommand(toZhang, 'ou_bot', commands)).toBeUndefined();
  });

  it('after the bot’s @, the first word is read the same way: 「@归档助手 进度？」 is 进度', () => {
    expect(parseCommand(toBot('进度？'), 'ou_bot', commands)?.name).toBe('progress');
    expect(parseCommand(toBot('未归档。'), 'ou_bot', commands)?.name).toBe('unfiled');
    expect(parseCommand(toBot('缺什么?? '), 'ou_bot', commands)?.name).toBe('missing');
    // A word that is punctuation is still itself.
    expect(parseCommand(toBot('？'), 'ou_bot', commands)?.name).toBe('help');
    expect(parseCommand(toBot('进度表'), 'ou_bot', commands)?.name).toBe('unknown');
  });
});
