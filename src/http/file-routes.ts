import { fileExtensionOf } from '../archive/file-extension.js';
import { materialFile, type MaterialFile } from '../db/repos/page-items.js';
import { sanitizeFileName } from '../storage/sanitize-file-name.js';
import { canSee, NotFound, type PageContext } from './web-context.js';

/** Types a browser may show in the page (never HTML, SVG or scripts: those are always downloads). */
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf']);

async function visibleMaterial(c: PageContext): Promise<MaterialFile> {
  const m = await materialFile(c.deps.db, c.params.id!);
  if (!m || !canSee(c.viewer, m.unitPath)) throw new NotFound();
  return m;
}

/** The download name: the 档号 (with the file's place in the item) when numbered, else the original name. */
export function downloadName(m: MaterialFile): string {
  const ext = fileExtensionOf(m.mime, m.originalName);
  if (m.archivalCode) {
    const base = m.itemSize > 1 ? `${m.archivalCode}-${String(m.position).padStart(3, '0')}` : m.archivalCode;
    return sanitizeFileName(`${base}.${ext}`);
  }
  return sanitizeFileName(m.originalName ?? `${m.kind}-${m.id}.${ext}`);
}

/**
 * GET /files/:id[?inline=1] — the original bytes as stored (streamed from the blob store), with
 * the sniffed type; shown in the page only for images and PDF, otherwise downloaded.
 */
export async function fileOriginal(c: PageContext): Promise<void> {
  const m = await visibleMaterial(c);
  if (!m.storageKey || m.status !== 'stored') throw new NotFound();
  const size = await c.deps.blobs.stat(m.storageKey);
  if (!size) throw new NotFound();
  const type = m.mime ?? 'application/octet-stream';
  const inline = c.koa.query.inline === '1' && INLINE_TYPES.has(type);
  c.koa.attachment(downloadName(m), { type: inline ? 'inline' : 'attachment' });
  c.koa.type = inline ? type : 'application/octet-stream';
  c.koa.set('Cache-Control', 'private, max-age=3600');
  c.koa.length = size.sizeBytes;
  c.koa.body = c.deps.blobs.openRead(m.storageKey);
}

/** GET /thumbs/:id — the small JPEG made at download (photos and video covers). */
export async function fileThumbnail(c: PageContext): Promise<void> {
  const m = await visibleMaterial(c);
  // A recalled (撤回) photo is not shown, even from an item undone before its recall.
  if (m.status === 'recalled' || !m.thumbnailKey || !(await c.deps.blobs.stat(m.thumbnailKey)))
    throw new NotFound();
  c.koa.type = 'image/jpeg';
  c.koa.set('Cache-Control', 'private, max-age=86400');
  c.koa.body = c.deps.blobs.openRead(m.thumbnailKey);
}
