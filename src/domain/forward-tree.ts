import { captionOf, classifyMessage, resourcesOf, type MessageResource } from './message-resources.js';

/** The fields of a Lark message item (GET /im/v1/messages/:id) that a merged forward needs. */
export interface ForwardItem {
  message_id: string;
  msg_type: string;
  create_time: string;
  upper_message_id?: string;
  deleted?: boolean;
  chat_id?: string;
  sender?: { id: string; id_type: string; sender_type?: string };
  body?: { content: string };
  mentions?: { key: string; name: string }[];
}

export interface ForwardNode {
  item: ForwardItem;
  children: ForwardNode[];
}

/** A message inside a merged forward (at any depth), with what we need to capture it. */
export interface ForwardEntry {
  messageId: string;
  msgType: string;
  /** The original sender (open_id when `senderIdType` is open_id). */
  senderId?: string;
  senderIdType?: string;
  /** Original send time. */
  sentAt: Date;
  chatId?: string;
  /** The forward one level up (the root forward for direct children). */
  upperMessageId: string;
  /** Forward ids from the root down to the direct parent. */
  ancestorIds: string[];
  /** Ids to download this entry's resources with, in order: root forward, nested forwards, itself. */
  downloadMessageIds: string[];
  resources: MessageResource[];
  caption?: string;
}

/**
 * Rebuilds the tree of a merged forward from the flat getMessage list (the forward itself plus every
 * descendant pointing up via `upper_message_id`). Items without an upper id are direct children;
 * unknown upper ids are attached to the root; cycles are broken. Siblings are ordered by create_time.
 */
export function buildForwardTree(rootId: string, items: ForwardItem[]): ForwardNode {
  const rootItem = items.find((i) => i.message_id === rootId && !i.upper_message_id) ??
    items.find((i) => i.message_id === rootId) ?? {
      message_id: rootId,
      msg_type: 'merge_forward',
      create_time: '0',
    };
  const nodes = new Map<string, ForwardNode>();
  for (const item of items) {
    if (item.message_id !== rootId && !nodes.has(item.message_id))
      nodes.set(item.message_id, { item, children: [] });
  }
  const root: ForwardNode = { item: rootItem, children: [] };
  for (const node of nodes.values()) {
    const upper = node.item.upper_message_id;
    const parent = upper && upper !== node.item.message_id ? (nodes.get(upper) ?? root) : root;
    const target = parent !== root && reaches(parent, node, nodes) ? root : parent;
    target.children.push(node);
  }
  sortTree(root, new Set());
  return root;
}

/**
 * Every non-forward message inside the forward, depth first in display order, with its resources,
 * caption and the chain of ids to download with (`[rootId, …nested forwards, own id]`).
 */
export function forwardEntries(rootId: string, items: ForwardItem[]): ForwardEntry[] {
  const out: ForwardEntry[] = [];
  const walk = (node: ForwardNode, ancestors: string[]) => {
    for (const child of node.children) {
      const { item } = child;
      if (classifyMessage(item.msg_type) === 'forward') {
        walk(child, [...ancestors, item.message_id]);
        continue;
      }
      if (item.deleted) continue;
      const content = item.body?.content ?? '';
      const caption = captionOf(item.msg_type, content, item.mentions ?? []);
      out.push({
        messageId: item.message_id,
        msgType: item.msg_type,
        ...(item.sender ? { senderId: item.sender.id, senderIdType: item.sender.id_type } : {}),
        sentAt: new Date(Number(item.create_time) || 0),
        ...(item.chat_id ? { chatId: item.chat_id } : {}),
        upperMessageId: ancestors[ancestors.length - 1] ?? rootId,
        ancestorIds: ancestors,
        downloadMessageIds: [...ancestors, item.message_id],
        resources: resourcesOf(item.msg_type, content),
        ...(caption ? { caption } : {}),
      });
    }
  };
  walk(buildForwardTree(rootId, items), [rootId]);
  return out;
}

/** True when following `upper` links from `from` leads to `target` (attaching would close a cycle). */
function reaches(from: ForwardNode, target: ForwardNode, nodes: Map<string, ForwardNode>): boolean {
  const seen = new Set<string>();
  let cur: ForwardNode | undefined = from;
  while (cur && !seen.has(cur.item.message_id)) {
    if (cur === target) return true;
    seen.add(cur.item.message_id);
    const upper: string | undefined = cur.item.upper_message_id;
    cur = upper ? nodes.get(upper) : undefined;
  }
  return false;
}

function sortTree(node: ForwardNode, seen: Set<ForwardNode>): void {
  if (seen.has(node)) return;
  seen.add(node);
  node.children.sort((a, b) => (Number(a.item.create_time) || 0) - (Number(b.item.create_time) || 0));
  for (const c of node.children) sortTree(c, seen);
}
