import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kindOfFile } from '../../src/domain/material-kind.js';
import { captionOf, classifyMessage, resourcesOf } from '../../src/domain/message-resources.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/lark');
const fixture = (type: string) => {
  const event = JSON.parse(readFileSync(join(FIXTURES, `im.message.receive_v1.${type}.json`), 'utf8'));
  const m = event.event.message;
  return { msgType: m.message_type as string, content: m.content as string, mentions: m.mentions ?? [] };
};

describe('resourcesOf / captionOf on every receive fixture', () => {
  const files = readdirSync(FIXTURES).filter((f) => /^im\.message\.receive_v1\..+\.json$/.test(f));
  const expected: Record<string, { resources: unknown[]; caption?: string; cls: string }> = {
    image: {
      cls: 'material',
      resources: [
        {
          resourceKey: 'img_4adb3cc3-902b-4187-b0f1-842f67fd017g',
          resourceType: 'image',
          kind: 'photo',
          role: 'main',
        },
      ],
    },
    file: {
      cls: 'material',
      resources: [
        {
          resourceKey: '75235e0c-4f92-430a-a99b-8446610223cg',
          resourceType: 'file',
          kind: 'document',
          role: 'main',
          originalName: 'test.txt',
          declaredMime: 'text/plain',
        },
      ],
    },
    audio: {
      cls: 'material',
      resources: [
        {
          resourceKey: '75235e0c-4f92-430a-a99b-8446610223cg',
          resourceType: 'file',
          kind: 'audio',
          role: 'main',
          durationMs: 2000,
        },
      ],
    },
    media: {
      cls: 'material',
      resources: [
        {
          resourceKey: '75235e0c-4f92-430a-a99b-8446610223cg',
          resourceType: 'file',
          kind: 'video',
          role: 'main',
          originalName: '测试视频.mp4',
          declaredMime: 'video/mp4',
          durationMs: 2000,
          coverImageKey: 'img_xxxxxx',
        },
        { resourceKey: 'img_xxxxxx', resourceType: 'image', kind: 'photo', role: 'cover' },
      ],
    },
    post: {
      cls: 'material',
      resources: [
        {
          resourceKey: 'img_47354fbc-a159-40ed-86ab-2ad0f1acb42g',
          resourceType: 'image',
          kind: 'photo',
          role: 'main',
        },
        {
          resourceKey: 'file_v2_0dcdd7d9-fib0-4432-a519-41d25aca542j',
          resourceType: 'file',
          kind: 'video',
          role: 'main',
          coverImageKey: 'img_7ea74629-9191-4176-998c-2e603c9c5e8g',
        },
        {
          resourceKey: 'img_7ea74629-9191-4176-998c-2e603c9c5e8g',
          resourceType: 'image',
          kind: 'photo',
          role: 'cover',
        },
      ],
      caption: '我是一个标题\n第一行 :超链接@归档助手\n第二行:文本测试\nfunc main() int64 {\n    return 0\n}',
    },
    text: { cls: 'text', resources: [], caption: 'hello' },
    p2p_text: { cls: 'text', resources: [], caption: '/help' },
    merge_forward: { cls: 'forward', resources: [] },
    sticker: { cls: 'ignored', resources: [] },
    folder: { cls: 'ignored', resources: [] },
    share_chat: { cls: 'ignored', resources: [] },
    share_user: { cls: 'ignored', resources: [] },
  };

  it('has an expectation for every fixture', () => {
    const types = files.map((f) => f.replace(/^im\.message\.receive_v1\.|\.json$/g, '')).sort();
    expect(types).toEqual(Object.keys(expected).sort());
  });

  for (const [type, want] of Object.entries(expected)) {
    it(type, () => {
      const f = fixture(type);
      const mentions = f.mentions.map((m: { key: string }) => ({ key: m.key, name: '归档助手' }));
      expect(classifyMessage(f.msgType)).toBe(want.cls);
      expect(resourcesOf(f.msgType, f.content)).toEqual(want.resources);
      expect(captionOf(f.msgType, f.content, mentions)).toBe(want.caption);
    });
  }
});

describe('resourcesOf on merged-forward children (getMessage items)', () => {
  const items = JSON.parse(readFileSync(join(FIXTURES, 'im.message.get.merge_forward.response.json'), 'utf8'))
    .data.items as { msg_type: string; body: { content: string } }[];

  it('reads image and file children and tolerates the non-JSON forward placeholder', () => {
    const all = items.map((i) => resourcesOf(i.msg_type, i.body.content));
    expect(all).toEqual([
      [],
      [],
      [{ resourceKey: 'img_v3_sub_image_key_0001', resourceType: 'image', kind: 'photo', role: 'main' }],
      [
        {
          resourceKey: 'file_v3_sub_file_key_0001',
          resourceType: 'file',
          kind: 'document',
          role: 'main',
          originalName: '验收单.pdf',
          declaredMime: 'application/pdf',
        },
      ],
      [],
      [],
    ]);
    expect(items.map((i) => captionOf(i.msg_type, i.body.content))).toEqual([
      undefined,
      '这是现场照片',
      undefined,
      undefined,
      undefined,
      '嵌套转发里的一条',
    ]);
  });
});

describe('message content shapes and traps', () => {
  it('accepts the locale-wrapped post shape', () => {
    const content = JSON.stringify({
      zh_cn: {
        title: '入户走访',
        content: [
          [
            { tag: 'text', text: '张三家 ' },
            { tag: 'at', user_id: '@_user_1', user_name: '李四' },
          ],
          [{ tag: 'img', image_key: 'img_a' }],
          [{ tag: 'img', image_key: 'img_a' }],
          [{ tag: 'img', image_key: 'img_b' }],
        ],
      },
    });
    expect(resourcesOf('post', content).map((r) => r.resourceKey)).toEqual(['img_a', 'img_b']);
    expect(captionOf('post', content)).toBe('入户走访\n张三家 @李四');
    const en = JSON.stringify({
      en_us: { title: 'Visit', content: [[{ tag: 'media', file_key: 'f1', image_key: 'i1' }]] },
    });
    expect(resourcesOf('post', en).map((r) => [r.resourceKey, r.role])).toEqual([
      ['f1', 'main'],
      ['i1', 'cover'],
    ]);
    expect(captionOf('post', en)).toBe('Visit');
  });

  it('keeps photos sent as files as photos (originals), and classifies documents, audio, video', () => {
    const file = (name: string) => resourcesOf('file', JSON.stringify({ file_key: 'k', file_name: name }))[0];
    expect(file('IMG_0001.JPG')).toMatchObject({ kind: 'photo', declaredMime: 'image/jpeg' });
    expect(file('IMG_0002.HEIC')).toMatchObject({ kind: 'photo', declaredMime: 'image/heic' });
    expect(file('扫描件.tif')).toMatchObject({ kind: 'photo' });
    expect(file('截图.png')).toMatchObject({ kind: 'photo' });
    expect(file('2024年度台账.xlsx')).toMatchObject({ kind: 'document' });
    expect(file('通知.doc')).toMatchObject({ kind: 'document', declaredMime: 'application/msword' });
    expect(file('电子公文.ofd')).toMatchObject({ kind: 'document' });
    expect(file('会议录音.m4a')).toMatchObject({ kind: 'audio' });
    expect(file('现场.MOV')).toMatchObject({ kind: 'video', declaredMime: 'video/quicktime' });
    expect(file('无扩展名')).toEqual({
      resourceKey: 'k',
      resourceType: 'file',
      kind: 'document',
      role: 'main',
      originalName: '无扩展名',
    });
    expect(kindOfFile(undefined, 'image/png')).toBe('photo');
  });

  it('never throws on malformed content', () => {
    for (const type of ['image', 'file', 'audio', 'media', 'post', 'text', 'merge_forward', 'sticker']) {
      for (const content of [
        '',
        'not json',
        'null',
        '[]',
        '42',
        '{}',
        '{"content":"x"}',
        '{"content":[["x"]]}',
      ]) {
        expect(resourcesOf(type, content)).toEqual([]);
        expect(() => captionOf(type, content)).not.toThrow();
      }
    }
    expect(resourcesOf('image', '{"image_key":""}')).toEqual([]);
    expect(resourcesOf('audio', '{"file_key":"k","duration":"long"}')).toEqual([
      { resourceKey: 'k', resourceType: 'file', kind: 'audio', role: 'main' },
    ]);
  });

  it('classifies the other message kinds as ignored', () => {
    for (const t of [
      'sticker',
      'folder',
      'share_chat',
      'share_user',
      'interactive',
      'system',
      'location',
      'todo',
      'vote',
      'hongbao',
    ]) {
      expect(classifyMessage(t)).toBe('ignored');
    }
  });

  it('renders @all and empty captions', () => {
    expect(captionOf('text', JSON.stringify({ text: '明天交材料 @_all' }))).toBe('明天交材料 @所有人');
    expect(captionOf('text', JSON.stringify({ text: '   ' }))).toBeUndefined();
    expect(captionOf('image', JSON.stringify({ image_key: 'img' }))).toBeUndefined();
  });

  it('leaves out the mentions a text starts with (whom it is said to), keeps those among its words', () => {
    const zhang = { key: '@_user_1', name: '张会计' };
    const li = { key: '@_user_2', name: '李四' };
    const text = (t: string) => JSON.stringify({ text: t });
    expect(captionOf('text', text('@_all 今天村两委会议'))).toBe('今天村两委会议');
    expect(captionOf('text', text('@_user_1 #C05 会议照片'), [zhang])).toBe('#C05 会议照片');
    expect(captionOf('text', text('@_user_1 @_all  @_user_2 会议照片'), [zhang, li])).toBe('会议照片');
    expect(captionOf('text', text('参会人员：@_user_1 @_user_2'), [zhang, li])).toBe(
      '参会人员：@张会计 @李四',
    );
    // Nothing but mentions: kept as written (such a text is no caption: domain/chatter.ts).
    expect(captionOf('text', text('@_user_1'), [zhang])).toBe('@张会计');
  });
});
