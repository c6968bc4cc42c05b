import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from '@20minutes/s3rver';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Environment for a bot process or CLI using this store. */
  env(prefix?: string): Record<string, string>;
  /** Stops answering (connections refused) and keeps the stored objects: the store is down. */
  stop(): Promise<void>;
  /** Back on the same port with the same objects. */
  resume(): Promise<void>;
  /**
   * The next request that `matches` (its method and `bucket/…`-less key, prefix included) fails:
   * `down` stops the server right there (that request's connection dropped, later ones refused: the
   * store went down mid-request; `resume` brings it back), `gone` answers 404 NoSuchKey (an object
   * deleted after it was listed).
   */
  failNext(matches: (request: { method: string; key: string }) => boolean, how: 'down' | 'gone'): void;
  close(): Promise<void>;
}

/**
 * A local S3-compatible server for tests: s3rver (pure JavaScript from npm, files in a temp
 * folder, one account S3RVER/S3RVER: other access keys are refused). It lacks three
 * operations the S3 store relies on; they are added here in front of its routes, as S3 specifies
 * them: conditional writes (`If-None-Match: *` on PutObject and CompleteMultipartUpload: 412 when
 * the key exists, atomic per key), ListMultipartUploads and AbortMultipartUpload. Left as it is: a
 * PUT cut off mid-body (its writer killed) leaves what had arrived under the key, where S3 keeps
 * nothing; S3BlobStore replaces such a stub, and the multi-instance test's SIGKILL exercises that.
 */
export async function startLocalS3(bucket = 'archive'): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  let failing: { matches: (r: { method: string; key: string }) => boolean; how: 'down' | 'gone' } | undefined;
  const fails: FailHook = (request) => {
    if (!failing?.matches(request)) return undefined;
    const { how } = failing;
    failing = undefined;
    if (how === 'down') void stop();
    return how;
  };
  let server = await runS3rver(directory, bucket, 0, fails);
  const port = (server.httpServer.address() as { port: number }).port;
  const endpoint = `http://127.0.0.1:${port}`;
  let running = true;
  const stop = async () => {
    running = false;
    server.httpServer.closeAllConnections?.();
    await server.close();
  };
  return {
    endpoint,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    env: (prefix = '') => ({
      BLOB_STORE: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      ...(prefix ? { S3_PREFIX: prefix } : {}),
    }),
    stop,
    resume: async () => {
      server = await runS3rver(directory, bucket, port, fails);
      running = true;
    },
    failNext: (matches, how) => {
      failing = { matches, how };
    },
    close: async () => {
      if (running) {
        server.httpServer.closeAllConnections?.();
        await server.close();
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Whether (and how) a request is to fail instead of being served (LocalS3.failNext). */
type FailHook = (request: { method: string; key: string }) => 'down' | 'gone' | undefined;

async function runS3rver(directory: string, bucket: string, port: number, fails: FailHook): Promise<any> {
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    // s3rver mis-canonicalises some signed queries (an encoded / in ListObjects' prefix) and then
    // refuses a correct signature; an unknown access key is still refused (InvalidAccessKeyId).
    allowMismatchedSignatures: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const store = server.store;
  // s3rver's deleteObject then removes the key's folders that look empty: a readdir, then an async
  // rm(recursive) that also takes an object another request placed under them meanwhile (the bucket's
  // first blobs vanished when a write probe under tmp/ was deleted: S3 has no folders). Objects are
  // deleted here without that clean-up.
  store.deleteObject = async (b: string, key: string) => {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((kind) =>
        rm(store.getResourcePath(b, key, kind) as string, { force: true }),
      ),
    );
  };
  const locks = new Map<string, Promise<unknown>>();
  const uploadsDir = (b: string) => store.getResourcePath(b, undefined, 'uploads') as string;

  const extra = async (ctx: any, next: () => Promise<unknown>) => {
    const [, b, ...rest] = (ctx.path as string).split('/');
    const key = rest.map(decodeURIComponent).join('/');
    const q = ctx.query as Record<string, string | undefined>;
    const failure = fails({ method: ctx.method as string, key });
    if (failure === 'gone') return s3Fail(ctx, 404, 'NoSuchKey');
    if (failure === 'down') return; // its connection is already closed
    if (ctx.method === 'GET' && b && !key && 'uploads' in q) {
      ctx.type = 'application/xml';
      ctx.body = await listUploads(uploadsDir(b), b, q.prefix ?? '');
      return;
    }
    if (ctx.method === 'DELETE' && key && q.uploadId) {
      const dir = join(uploadsDir(b!), q.uploadId);
      if (!(await stat(dir).catch(() => undefined))) return s3Fail(ctx, 404, 'NoSuchUpload');
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    const conditional = ctx.get('if-none-match') === '*' && key && (ctx.method === 'PUT' || q.uploadId);
    if (!conditional || (ctx.method === 'PUT' && q.uploadId)) return next();
    // One conditional write per key at a time: the check and the write are one step, as in S3.
    const lockKey = `${b}/${key}`;
    const before = locks.get(lockKey) ?? Promise.resolve();
    const mine = before.then(async () => {
      if (await store.existsObject(b, key)) return s3Fail(ctx, 412, 'PreconditionFailed');
      return next();
    });
    locks.set(
      lockKey,
      mine.catch(() => {}),
    );
    return mine;
  };
  // Koa runs middleware in order: ours goes right after s3rver's logger, before its router.
  server.middleware.splice(1, 0, extra);
  await server.run();
  return server;
}

function s3Fail(ctx: any, status: number, code: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>`;
}

async function listUploads(dir: string, bucket: string, prefix: string): Promise<string> {
  const ids = await readdir(dir).catch(() => [] as string[]);
  const uploads: string[] = [];
  for (const id of ids.sort()) {
    const key = await readFile(join(dir, id, 'key'), 'utf8').catch(() => undefined);
    if (key === undefined || !key.startsWith(prefix)) continue;
    const initiated = (await stat(join(dir, id, 'key'))).mtime.toISOString();
    uploads.push(
      `<Upload><Key>${key}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated></Upload>`,
    );
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Bucket>${bucket}</Bucket><Prefix>${prefix}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>` +
    `${uploads.join('')}</ListMultipartUploadsResult>`
  );
}
