import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOwnCard, isOwnCardTitle } from '../../src/domain/own-card.js';
import { cloudDocLinkIn } from '../../src/domain/unkept-message.js';

describe('the bot’s own cards, told by their titles when forwarded back', () => {
  it('every fixed title a card of src/cards or src/usecases is drawn with is recognised', () => {
    const titles = new Set<string>();
    for (const dir of ['src/cards', 'src/usecases'])
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts')))
        for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\bcard\(\s*'([^']+)'/g))
          titles.add(m[1]!);
    expect(titles.size).toBeGreaterThan(10);
    for (const t of titles) expect(isOwnCardTitle(t), t).toBe(true);
  });

  it('the reminder, 督办, digest and progress titles are; another app’s card is not', () => {
    for (const t of [
      '⏰ 交材料提醒 · 城关村',
      '📌 督办 · 城关村',
      '📊 进度周报 · 城关镇',
      '城关村 · 进度',
      '#C03 危房改造',
      '告警：备份没有按时完成',
      '恢复正常：备份没有按时完成',
      '告警：磁盘空间不足',
      '恢复正常：飞书拒绝了应用凭证或权限',
    ])
      expect(isOwnCardTitle(t), t).toBe(true);
    for (const t of ['审批通过：低保申请', '会议通知', '进度', '告警：服务器 CPU 过高'])
      expect(isOwnCardTitle(t), t).toBe(false);
    expect(isOwnCard(JSON.stringify({ title: '⏰ 交材料提醒 · 城关村', elements: [] }))).toBe(true);
    expect(isOwnCard(JSON.stringify({ header: { title: { content: '📌 督办 · 城关村' } } }))).toBe(true);
    expect(isOwnCard('not json')).toBe(false);
  });
});

describe('a cloud document’s address in a received message', () => {
  it('in a text, or behind a rich-text link; not in another kind or a plain address', () => {
    expect(cloudDocLinkIn('text', JSON.stringify({ text: '看 https://abc.feishu.cn/docx/Hs1b' }))).toBe(true);
    expect(cloudDocLinkIn('text', '{"text":"https:\\/\\/abc.feishu.cn\\/sheets\\/Hs1b"}')).toBe(true);
    const post = {
      zh_cn: {
        title: '',
        content: [[{ tag: 'a', text: '3月会议记录', href: 'https://x.larkoffice.com/wiki/Ab1' }]],
      },
    };
    expect(cloudDocLinkIn('post', JSON.stringify(post))).toBe(true);
    expect(cloudDocLinkIn('text', JSON.stringify({ text: 'https://www.gov.cn/zhengce/' }))).toBe(false);
    expect(cloudDocLinkIn('file', JSON.stringify({ file_name: 'https://abc.feishu.cn/docx/Hs1b' }))).toBe(
      false,
    );
  });
});
