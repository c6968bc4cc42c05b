import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import sharp from 'sharp';
import { queryRows, type Db } from '../../src/db/client.js';
import { TEST_VERIFICATION_TOKEN } from '../support/events.js';
import type { FakeLark, SentMessage } from '../support/fake-lark/server.js';

/** Helpers shared by the capture-*.test.ts files (end-to-end capture of materials). */

export const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/lark/${name}`, import.meta.url), 'utf8'));

const fresh = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

/**
 * A fixture `im.message.receive_v1.<type>.json` addressed to the fake app. Ids are fresh unless
 * given, so one fixture can be posted several times as different messages.
 */
export function fixtureEvent(
  type: string,
  appId: string,
  over: { messageId?: string; chatId?: string; senderOpenId?: string; createTimeMs?: number } = {},
) {
  const ev = fixture(`im.message.receive_v1.${type}.json`);
  ev.header = { ...ev.header, app_id: appId, token: TEST_VERIFICATION_TOKEN, event_id: fresh('ev') };
  const m = ev.event.message;
  m.message_id = over.messageId ?? fresh('om_');
  if (over.chatId) m.chat_id = over.chatId;
  if (over.createTimeMs) m.create_time = String(over.createTimeMs);
  if (over.senderOpenId) ev.event.sender.sender_id = { open_id: over.senderOpenId };
  return ev;
}

export { waitFor } from '../support/wait-for.js';

export interface MaterialRow {
  id: number;
  message_id: string;
  resource_key: string;
  chat_id: string;
  sender_open_id: string | null;
  sent_at: Date;
  kind: string;
  role: string;
  status: string;
  original_name: string | null;
  declared_mime: string | null;
  sniffed_mime: string | null;
  size_bytes: number | null;
  duration_ms: number | null;
  sha256: string | null;
  storage_key: string | null;
  duplicate_of: number | null;
  caption: string | null;
  parent_id: string | null;
  forward_root_id: string | null;
  burst_id: number | null;
  attempts: number;
  last_error: string | null;
  quality: string | null;
  thumbnail_key: string | null;
  width: number | null;
  height: number | null;
  camera_make: string | null;
}

export async function materialsWhere(db: Db, where: SQL): Promise<MaterialRow[]> {
  const rows = await queryRows<any>(
    db,
    sql`select m.*, m.id::int as id, m.size_bytes::float8 as size_bytes, m.duplicate_of::int as duplicate_of,
          m.burst_id::int as burst_id
        from materials m where ${where} order by m.sent_at, m.id`,
  );
  return rows.map((r) => ({ ...r, sent_at: new Date(r.sent_at) }));
}

/** Materials of a message, or of every message inside a merged forward. */
export const materialsOf = (db: Db, messageId: string) =>
  materialsWhere(db, sql`message_id = ${messageId} or forward_root_id = ${messageId}`);

export async function messageRow(db: Db, messageId: string) {
  const [row] = await queryRows<{ disposition: string; text: string | null; msg_type: string }>(
    db,
    sql`select disposition, text, msg_type from messages where message_id = ${messageId}`,
  );
  return row;
}

/** Every file under `dir` (recursive), as paths. */
export function filesUnder(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Blob files on disk holding these bytes (content-addressed: 0 or 1). */
export const blobFilesOf = (dataDir: string, sha: string) =>
  filesUnder(join(dataDir, 'files', 'blobs')).filter((p) => p.endsWith(sha));

export const tempFiles = (dataDir: string) => filesUnder(join(dataDir, 'files', 'tmp'));

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A small distinct photo (random pixels), like a chat client's compressed copy: no EXIF, < 3 MP. */
export async function smallPhoto(format: 'jpeg' | 'png' = 'jpeg', size = 48): Promise<Buffer> {
  const img = sharp(randomBytes(size * size * 3), { raw: { width: size, height: size, channels: 3 } });
  return (format === 'png' ? img.png() : img.jpeg()).toBuffer();
}

/** An original camera photo: 2048×1536 (3.1 MP) with camera EXIF; distinct per call. */
export async function cameraPhoto(): Promise<Buffer> {
  const background = `#${randomBytes(3).toString('hex')}`;
  return sharp({ create: { width: 2048, height: 1536, channels: 3, background } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'HUAWEI', Model: 'ELS-AN00' },
      IFD2: { DateTimeOriginal: '2024:05:01 10:30:00' },
    })
    .toBuffer();
}

export const repliesTo = (fake: FakeLark, messageId: string): SentMessage[] =>
  fake.sentMessages().filter((m) => m.replyTo === messageId);

/**
 * The text of a reply: a text message's text, or the markdown of a card (the filing feature turns
 * the burst acknowledgment into a card that carries the same summary).
 */
export function replyText(m: SentMessage | undefined): string {
  const c = m?.content as Record<string, unknown> | undefined;
  if (m?.msgType === 'text') return String(c?.text ?? '');
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'content' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(c);
  return out.join('\n').replace(/\\(.)/g, '$1');
}

/** Resource download requests the fake received for one key (any message id). */
export const downloadsOf = (fake: FakeLark, fileKey: string) =>
  fake.callsTo('GET', new RegExp(`/resources/${fileKey.replace(/[^\w-]/g, '\\$&')}$`));
