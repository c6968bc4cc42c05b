import type { Readable } from 'node:stream';
import type { DownloadInput, ResourceDownload } from '../ports/chat-gateway.js';
import type { LarkClient } from './client.js';
import type { LarkCaller } from './lark-call.js';
import { guardDownload, header, parseContentDisposition, parseContentRange } from './resource-stream.js';

const API = 'im.messageResource.get';

/**
 * GET /im/v1/messages/:id/resources/:key through the SDK's `messageResource.get`.
 *
 * - Headers: the SDK merges the second argument's `headers` into the request (Client.formatPayload),
 *   so `Range` and `Accept-Encoding: identity` (we hash the original bytes) pass straight through.
 * - Status: the SDK returns only `{getReadableStream, headers}` (it asks our axios instance for
 *   `$return_headers`), never the status. Any non-2xx answer is thrown, so a success is 206 when
 *   Lark sent `Content-Range` and 200 otherwise.
 * - Errors: a non-2xx answer arrives as an AxiosError whose body is a stream; `toLarkError`
 *   (inside `caller.call`) reads it for Lark's code (e.g. 234003).
 * - The returned stream errors with a LarkNetworkError when the connection breaks, when no byte
 *   arrives for `idleTimeoutMs`, or when it ends short of Content-Length.
 */
export async function downloadResource(
  client: LarkClient,
  caller: LarkCaller,
  input: DownloadInput,
  defaultIdleTimeoutMs: number,
): Promise<ResourceDownload> {
  const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
  if (input.range) headers.Range = `bytes=${input.range.start}-${input.range.end}`;
  const res = await caller.call(API, () =>
    client.im.messageResource.get(
      { path: { message_id: input.messageId, file_key: input.fileKey }, params: { type: input.type } },
      { headers },
    ),
  );
  const contentRange = parseContentRange(header(res.headers, 'content-range'));
  const lengthHeader = header(res.headers, 'content-length');
  const contentLength =
    lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  const encoded = (header(res.headers, 'content-encoding') ?? 'identity') !== 'identity';
  const source = res.getReadableStream() as Readable;
  const stream = guardDownload(source, {
    idleTimeoutMs: input.idleTimeoutMs ?? defaultIdleTimeoutMs,
    expectedBytes: encoded ? undefined : contentLength,
    what: `${API} ${input.messageId}/${input.fileKey}`,
  });
  const contentType = header(res.headers, 'content-type');
  const fileName = parseContentDisposition(header(res.headers, 'content-disposition'));
  return {
    stream,
    status: contentRange ? 206 : 200,
    ...(contentLength !== undefined ? { contentLength } : {}),
    ...(contentRange ? { contentRange } : {}),
    ...(contentType ? { contentType } : {}),
    ...(fileName ? { fileName } : {}),
  };
}
