import type { OutgoingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { route, type Route, type RouteContext } from './context.js';

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive [start, end]; 'bad' when unsatisfiable. */
export const parseRange = (
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'bad' | undefined => {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'bad';
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(size - Number(m[2]), 0);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? 'bad' : { start, end };
};

const contentDisposition = (name: string): string => {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
};

const download = async (ctx: RouteContext) => {
  const { message_id: messageId, file_key: fileKey } = ctx.params as { message_id: string; file_key: string };
  const type = ctx.query.type;
  if (type !== 'image' && type !== 'file') {
    ctx.fail(234001, 'Invalid request param: type must be image or file.');
    return;
  }
  if (ctx.state.resourceLatencyMs > 0) await sleep(ctx.state.resourceLatencyMs);
  const res = ctx.state.resources.get(ctx.state.resourceKey(messageId, fileKey));
  if (!res) {
    ctx.fail(234003, 'File not in msg.');
    return;
  }
  if (res.errorCode !== undefined) {
    ctx.fail(res.errorCode, `fake resource error ${res.errorCode}`);
    return;
  }
  const size = res.bytes.length;
  const range = parseRange(ctx.req.headers.range, size);
  if (range === 'bad') {
    ctx.send(416, { 'Content-Range': `bytes */${size}` }, Buffer.alloc(0));
    return;
  }
  if (!range && res.maxWholeFileBytes !== undefined && size > res.maxWholeFileBytes) {
    ctx.fail(234037, 'Downloaded file size exceeds limit.');
    return;
  }
  const headers: OutgoingHttpHeaders = {
    'Content-Type': res.contentType ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ...(res.fileName ? { 'Content-Disposition': contentDisposition(res.fileName) } : {}),
  };
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    ctx.send(206, headers, res.bytes.subarray(range.start, range.end + 1));
  } else {
    ctx.send(200, headers, res.bytes);
  }
};

export const resourceRoutes: Route[] = [
  route('GET', '/open-apis/im/v1/messages/:message_id/resources/:file_key', download),
];
