import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildForwardTree,
  forwardEntries,
  type ForwardItem,
  type ForwardNode,
} from '../../src/domain/forward-tree.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/lark/im.message.get.merge_forward.response.json');
const items: ForwardItem[] = JSON.parse(readFileSync(FIXTURE, 'utf8')).data.items;
const ROOT = 'om_5ce6d572455d361153b7cb51da133916';
const NESTED = 'om_sub000000000000000000000000004';

const shape = (n: ForwardNode): unknown => ({ id: n.item.message_id, children: n.children.map(shape) });
const item = (id: string, t: number, upper?: string, extra: Partial<ForwardItem> = {}): ForwardItem => ({
  message_id: id,
  msg_type: 'image',
  create_time: String(t),
  ...(upper ? { upper_message_id: upper } : {}),
  body: { content: JSON.stringify({ image_key: `img_${id}` }) },
  ...extra,
});

describe('buildForwardTree', () => {
  it('rebuilds the fixture: root, its children in time order, and the nested forward', () => {
    expect(shape(buildForwardTree(ROOT, items))).toEqual({
      id: ROOT,
      children: [
        { id: 'om_sub000000000000000000000000001', children: [] },
        { id: 'om_sub000000000000000000000000002', children: [] },
        { id: 'om_sub000000000000000000000000003', children: [] },
        { id: NESTED, children: [{ id: 'om_sub000000000000000000000000005', children: [] }] },
      ],
    });
  });

  it('orders siblings by create_time, attaches orphans and items without upper id to the root, breaks cycles', () => {
    const tree = buildForwardTree('root', [
      item('c', 3, 'root'),
      item('a', 1),
      item('orphan', 2, 'gone'),
      item('x', 5, 'y'),
      item('y', 4, 'x'),
      item('self', 6, 'self'),
    ]);
    const ids = tree.children.map((c) => c.item.message_id);
    expect(ids.slice(0, 3)).toEqual(['a', 'orphan', 'c']);
    const count = (n: ForwardNode): number => 1 + n.children.reduce((s, c) => s + count(c), 0);
    expect(count(tree)).toBe(7); // every item exactly once
    expect(tree.item.msg_type).toBe('merge_forward'); // synthesized root when absent
  });
});

describe('forwardEntries', () => {
  it('lists the fixture leaves with their original senders, times and download chains', () => {
    const entries = forwardEntries(ROOT, items);
    expect(entries.map((e) => [e.messageId, e.msgType, e.downloadMessageIds])).toEqual([
      ['om_sub000000000000000000000000001', 'text', [ROOT, 'om_sub000000000000000000000000001']],
      ['om_sub000000000000000000000000002', 'image', [ROOT, 'om_sub000000000000000000000000002']],
      ['om_sub000000000000000000000000003', 'file', [ROOT, 'om_sub000000000000000000000000003']],
      ['om_sub000000000000000000000000005', 'text', [ROOT, NESTED, 'om_sub000000000000000000000000005']],
    ]);
    const image = entries[1]!;
    expect(image).toMatchObject({
      senderId: 'ou_aaaa0000000000000000000000000001',
      senderIdType: 'open_id',
      sentAt: new Date(1609070000002),
      chatId: 'oc_5ce6d572455d361153b7xx51da133945',
      upperMessageId: ROOT,
      ancestorIds: [ROOT],
      resources: [
        { resourceKey: 'img_v3_sub_image_key_0001', resourceType: 'image', kind: 'photo', role: 'main' },
      ],
    });
    expect(entries[2]!.resources[0]).toMatchObject({ originalName: '验收单.pdf', kind: 'document' });
    expect(entries[0]!.caption).toBe('这是现场照片');
    expect(entries[3]).toMatchObject({
      upperMessageId: NESTED,
      ancestorIds: [ROOT, NESTED],
      caption: '嵌套转发里的一条',
    });
  });

  it('follows deeper nesting and skips deleted messages', () => {
    const entries = forwardEntries('r', [
      item('r', 0, undefined, {
        msg_type: 'merge_forward',
        body: { content: 'Merged and Forwarded Message' },
      }),
      item('f1', 1, 'r', { msg_type: 'merge_forward', body: { content: 'Merged and Forwarded Message' } }),
      item('f2', 2, 'f1', { msg_type: 'merge_forward', body: { content: 'Merged and Forwarded Message' } }),
      item('deep', 3, 'f2'),
      item('gone', 4, 'f2', { deleted: true }),
      item('top', 5, 'r'),
    ]);
    expect(entries.map((e) => e.downloadMessageIds)).toEqual([
      ['r', 'f1', 'f2', 'deep'],
      ['r', 'top'],
    ]);
  });
});
