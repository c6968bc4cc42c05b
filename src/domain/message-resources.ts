import { kindOfFile, mimeOfFileName, type MaterialKind } from './material-kind.js';

/** One downloadable resource inside a message (a future `materials` row). */
export interface MessageResource {
  /** image_key or file_key. */
  resourceKey: string;
  /** Lark's download `type`. */
  resourceType: 'image' | 'file';
  kind: MaterialKind;
  /** `cover`: the poster image of a video (a photo material of its own). */
  role: 'main' | 'cover';
  originalName?: string;
  /** MIME type implied by the original name's extension. */
  declaredMime?: string;
  durationMs?: number;
  /** For a video: the image_key of its cover. */
  coverImageKey?: string;
}

/** How a message type is handled: resources to capture, text to keep, a forward to expand, or nothing. */
export type MessageClass = 'material' | 'text' | 'forward' | 'ignored';

export interface MentionName {
  key: string;
  name: string;
  /** Left out of the text (the bot's own @ before a caption written to it). */
  omit?: boolean;
}

type Json = Record<string, unknown>;

const MATERIAL_TYPES = new Set(['image', 'file', 'audio', 'media', 'post']);

export function classifyMessage(msgType: string): MessageClass {
  if (MATERIAL_TYPES.has(msgType)) return 'material';
  if (msgType === 'text') return 'text';
  if (msgType === 'merge_forward') return 'forward';
  return 'ignored';
}

/**
 * The resources of a message, from its `content` JSON string. Never throws: malformed content, a
 * merge_forward placeholder (children come from getMessage) or an ignored kind give `[]`.
 */
export function resourcesOf(msgType: string, contentJson: string): MessageResource[] {
  const c = parseContent(contentJson);
  if (!c) return [];
  const out: MessageResource[] = [];
  switch (msgType) {
    case 'image':
      pushImage(out, c.image_key);
      break;
    case 'file': {
      const key = str(c.file_key);
      const name = str(c.file_name);
      if (key)
        out.push({
          resourceKey: key,
          resourceType: 'file',
          kind: kindOfFile(name),
          role: 'main',
          ...named(name),
        });
      break;
    }
    case 'audio': {
      const key = str(c.file_key);
      if (key)
        out.push({
          resourceKey: key,
          resourceType: 'file',
          kind: 'audio',
          role: 'main',
          ...duration(c.duration),
        });
      break;
    }
    case 'media':
      pushMedia(out, c);
      break;
    case 'post':
      for (const node of postNodes(c)) {
        if (node.tag === 'img') pushImage(out, node.image_key);
        else if (node.tag === 'media') pushMedia(out, node);
      }
      break;
  }
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(r.resourceKey) && seen.add(r.resourceKey));
}

/**
 * The words of a rich-text post holding no picture or video, as a text message's `text` would hold them:
 * an @ as its placeholder (`@_user_1`, which the event's mentions resolve), paragraphs joined by spaces.
 * Lark sends a message as a post when it was written in the rich-text editor: 「@归档助手 缺什么」 so
 * written is a command all the same. `undefined` for a post with a picture or video (materials) or none.
 */
export function postCommandText(contentJson: string): string | undefined {
  const c = parseContent(contentJson);
  if (!c) return undefined;
  const nodes = postNodes(c);
  if (nodes.some((n) => n.tag === 'img' || n.tag === 'media')) return undefined;
  const title = str(unwrapPost(c)?.title);
  const lines = postParagraphs(c).map((p) =>
    p.map((n) => (n.tag === 'at' ? ` ${str(n.user_id) ?? ''} ` : nodeText(n))).join(''),
  );
  return [title, ...lines].filter((l) => l?.trim()).join(' ');
}

/**
 * Human text of a text or post message (title, text, links, @names; paragraphs on their own lines),
 * `undefined` when there is none. Mention placeholders (`@_user_1`) become `@name`.
 */
export function captionOf(
  msgType: string,
  contentJson: string,
  mentions: MentionName[] = [],
): string | undefined {
  const c = parseContent(contentJson);
  if (!c) return undefined;
  let text: string | undefined;
  if (msgType === 'text') text = str(c.text);
  else if (msgType === 'post') text = postText(c);
  if (!text) return undefined;
  const replaced = replaceMentions(text, mentions).trim();
  return replaced || undefined;
}

function pushImage(out: MessageResource[], key: unknown, role: 'main' | 'cover' = 'main'): void {
  const k = str(key);
  if (k) out.push({ resourceKey: k, resourceType: 'image', kind: 'photo', role });
}

function pushMedia(out: MessageResource[], c: Json): void {
  const key = str(c.file_key);
  const cover = str(c.image_key);
  if (key) {
    const name = str(c.file_name);
    out.push({
      resourceKey: key,
      resourceType: 'file',
      kind: 'video',
      role: 'main',
      ...named(name),
      ...duration(c.duration),
      ...(cover ? { coverImageKey: cover } : {}),
    });
  }
  pushImage(out, cover, 'cover');
}

/** Posts come as `{title, content}` or locale-wrapped `{zh_cn: {title, content}}`. */
function unwrapPost(c: Json): Json | undefined {
  if (Array.isArray(c.content) || typeof c.title === 'string') return c;
  const inner = isObj(c.post) ? c.post : c;
  for (const locale of ['zh_cn', 'en_us', 'ja_jp', ...Object.keys(inner)]) {
    const v = inner[locale];
    if (isObj(v) && (Array.isArray(v.content) || typeof v.title === 'string')) return v;
  }
  return undefined;
}

function postParagraphs(c: Json): Json[][] {
  const post = unwrapPost(c);
  if (!post || !Array.isArray(post.content)) return [];
  return post.content.filter(Array.isArray).map((p: unknown[]) => p.filter(isObj));
}

function postNodes(c: Json): Json[] {
  return postParagraphs(c).flat();
}

function postText(c: Json): string {
  const title = str(unwrapPost(c)?.title);
  const lines = postParagraphs(c).map((p) => p.map(nodeText).join('').trim());
  return [title, ...lines].filter((l) => l).join('\n');
}

function nodeText(n: Json): string {
  switch (n.tag) {
    case 'text':
    case 'a':
    case 'md':
    case 'code_block':
      return str(n.text) ?? '';
    case 'at': {
      const name = str(n.user_name);
      return name ? `@${name}` : (str(n.user_id) ?? '');
    }
    default:
      return '';
  }
}

function replaceMentions(text: string, mentions: MentionName[]): string {
  const keys = [...mentions].sort((a, b) => b.key.length - a.key.length);
  // The mentions a text starts with say whom it is said to (「@所有人 今天村两委会议」, 「@张会计 #C05 会议照片」),
  // not what it says: left out, so a caption's 说明 and 题名 hold only its words. A mention among the
  // words stays (「参会人员：@张三 @李四」).
  let out = text.trimStart();
  for (let lead = leadingMention(out, keys); lead > 0; lead = leadingMention(out, keys))
    out = out.slice(lead).trimStart();
  if (out === '') out = text;
  for (const m of keys) {
    if (m.key) out = out.split(m.key).join(m.omit ? '' : `@${m.name}`);
  }
  return out.replace(/@_all\b/g, '@所有人');
}

/** The length of the mention placeholder (`@_user_1`, `@_all`) `text` starts with, 0 when none. */
function leadingMention(text: string, sortedMentions: MentionName[]): number {
  if (/^@_all\b/.test(text)) return '@_all'.length;
  const m = sortedMentions.find((x) => x.key && text.startsWith(x.key));
  return m ? m.key.length : 0;
}

function parseContent(contentJson: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(contentJson);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
function named(name: string | undefined): Pick<MessageResource, 'originalName' | 'declaredMime'> {
  if (!name) return {};
  const mime = mimeOfFileName(name);
  return mime ? { originalName: name, declaredMime: mime } : { originalName: name };
}
const duration = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? { durationMs: Math.round(v) } : {};
