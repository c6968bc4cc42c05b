import { route, type Route, type RouteContext } from './context.js';

interface Part {
  name: string;
  fileName?: string;
  data: Buffer;
}

/** A minimal multipart/form-data parser (enough for what axios' form-data sends). */
export const parseMultipart = (body: Buffer, contentType: string | undefined): Part[] => {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const chunk = body.subarray(start + 2, next - 2); // skip CRLF after delimiter and before the next one
    const headerEnd = chunk.indexOf('\r\n\r\n');
    const head = chunk.subarray(0, headerEnd).toString();
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name !== undefined) {
      parts.push({
        name,
        fileName: /filename="([^"]*)"/i.exec(head)?.[1],
        data: chunk.subarray(headerEnd + 4),
      });
    }
    pos = next;
  }
  return parts;
};

const upload = (kind: 'image' | 'file') => (ctx: RouteContext) => {
  const parts = parseMultipart(ctx.body, ctx.req.headers['content-type']);
  const fileField = kind === 'image' ? 'image' : 'file';
  const file = parts.find((p) => p.name === fileField);
  const fields = Object.fromEntries(parts.filter((p) => p !== file).map((p) => [p.name, p.data.toString()]));
  const typeField = kind === 'image' ? 'image_type' : 'file_type';
  if (!file || file.data.length === 0 || !fields[typeField]) {
    ctx.fail(99992402, `field validation failed: ${fileField} and ${typeField} are required and not empty`);
    return;
  }
  const key = ctx.state.nextId(kind === 'image' ? 'img_v3_' : 'file_v3_');
  ctx.state.uploads.push({
    kind,
    key,
    bytes: file.data,
    fields,
    fileName: fields.file_name ?? file.fileName,
  });
  ctx.ok(kind === 'image' ? { image_key: key } : { file_key: key });
};

export const uploadRoutes: Route[] = [
  route('POST', '/open-apis/im/v1/images', upload('image')),
  route('POST', '/open-apis/im/v1/files', upload('file')),
];
