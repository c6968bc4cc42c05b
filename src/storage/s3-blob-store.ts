import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { PassThrough, type Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '../config.js';
import { AppError } from '../errors.js';
import { BlobNotFoundError, blobKeyOf, type BlobStore, type BlobWriter } from '../ports/blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { SpoolBlobWriter } from './spool-blob-writer.js';
import {
  describeS3Failure,
  isAlreadyThere,
  isNotFound,
  s3Error,
  StoreUnreachableError,
} from './s3-errors.js';
import { verifyBlob } from './verified-read.js';

export interface S3BlobStoreOptions {
  /** Local folder for the spool files of writes in progress (their hash decides the object key). */
  spoolDir: string;
  /** Free bytes the spool disk keeps (default 1 GiB). */
  minFreeBytes?: number;
  /** Multipart part size (default 8 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
/** A write probe that passed this recently is trusted (every download asks before it starts). */
const PROBE_FRESH_MS = 5000;

/** An S3 client for the settings: bounded waits, and only the checksums every S3 clone understands. */
export function createS3Client(s: S3Settings): S3Client {
  // The SDK warns on stderr once per process that its 2027 releases need Node 22; the start-up line
  // must stay one line (README, Requirements, says which Node the bot needs).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    forcePathStyle: s.forcePathStyle,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    // MinIO, Ceph RGW, OSS and OBS do not all accept the SDK's default trailing CRC checksums; our
    // own SHA-256 (the key) and a size check after upload guard the bytes instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // requestTimeout runs until the answer's headers, so it includes sending a part (8 MiB): generous
    // here; the start-up check and the probe ask for S3_TIMEOUT_SECONDS.
    requestHandler: {
      connectionTimeout: s.timeoutMs,
      requestTimeout: Math.max(s.timeoutMs, 300_000),
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * Blobs in an S3-compatible bucket under `prefix`: `blobs/ab/cd/<sha256>` (never overwritten: a
 * conditional put, `If-None-Match: *`), `thumbs/…` for derived files. A write is spooled to a
 * local temp file while it is hashed, then uploaded under its hash (SpoolBlobWriter). Reads stream
 * from the bucket and are verified against the key's hash. A store that is down, refuses our
 * credentials or lacks its bucket raises StoreUnreachableError: the work waits, nothing fails.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  private readonly spool: LocalBlobStore;
  private readonly partSize: number;
  private readonly where: { endpoint: string; bucket: string };
  /** Calls that carry no bytes: the answer must come within S3_TIMEOUT_SECONDS. */
  private readonly quick: { requestTimeout: number };
  /** When the last write probe passed; forgotten as soon as a call finds the store down. */
  private probedAt = -Infinity;

  constructor(
    private readonly settings: S3Settings,
    options: S3BlobStoreOptions,
  ) {
    this.client = createS3Client(settings);
    this.spool = new LocalBlobStore(options.spoolDir, { minFreeBytes: options.minFreeBytes });
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.quick = { requestTimeout: settings.timeoutMs };
    this.where = { endpoint: settings.endpoint ?? `AWS S3 (${settings.region})`, bucket: settings.bucket };
  }

  /** Start-up check: the bucket is reachable with our credentials. Throws one clear sentence. */
  async checkReachable(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }), this.quick);
    } catch (err) {
      throw new AppError('store_unreachable', describeS3Failure(err, this.where), { cause: err });
    }
  }

  beginWrite(): BlobWriter {
    return new SpoolBlobWriter({
      tempPath: this.spool.newTempPath(),
      // The spool file only waits for its upload: private, and not fsynced (the bucket keeps the bytes).
      mode: 0o600,
      sync: false,
      ensureSpace: (more) => this.spool.ensureSpace(more),
      ensureTempDir: (again) => this.spool.ensureTempDir(again),
      store: (path, sha256, size) => this.upload(path, sha256, size),
      failed: () => this.spool.forgetProbe(),
    });
  }

  openRead(storageKey: string, options: { verify?: boolean } = {}): Readable {
    const key = this.objectKey(storageKey);
    const out = new PassThrough();
    const abort = new AbortController();
    out.on('close', () => abort.abort());
    this.client
      .send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }), { abortSignal: abort.signal })
      .then(
        (res) => {
          const body = res.Body as Readable;
          body.on('error', (err) => out.destroy(this.failure(err) as Error));
          body.pipe(out);
        },
        (err: unknown) =>
          out.destroy(
            (isNotFound(err)
              ? new BlobNotFoundError(storageKey, { cause: err })
              : this.failure(err)) as Error,
          ),
      );
    return options.verify === false ? out : verifyBlob(storageKey, out);
  }

  async exists(storageKey: string): Promise<boolean> {
    return (await this.stat(storageKey)) !== undefined;
  }

  async stat(storageKey: string): Promise<{ sizeBytes: number } | undefined> {
    return this.head(this.objectKey(storageKey));
  }

  localPath(): undefined {
    return undefined;
  }

  async *listBlobs(): AsyncIterable<string[]> {
    for await (const page of this.listUnder('blobs/')) yield page.map((o) => o.key);
  }

  /** The sizes come with the listing (ListObjectsV2 `Size`): no request per object. */
  listBlobSizes(): AsyncIterable<{ key: string; sizeBytes: number }[]> {
    return this.listUnder('blobs/');
  }

  async *listDerived(): AsyncIterable<string[]> {
    for await (const page of this.listUnder('thumbs/')) yield page.map((o) => o.key);
  }

  private async *listUnder(folder: string): AsyncIterable<{ key: string; sizeBytes: number }[]> {
    const prefix = `${this.settings.prefix}${folder}`;
    let token: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.settings.bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        )
        .catch((err: unknown) => {
          throw s3Error(err, this.where);
        });
      const keys = (page.Contents ?? []).map((o) => ({
        key: o.Key!.slice(this.settings.prefix.length),
        sizeBytes: o.Size ?? 0,
      }));
      if (keys.length > 0) yield keys;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async putDerived(key: string, bytes: Uint8Array): Promise<string> {
    if (/^(blobs|tmp)\//.test(key))
      throw new AppError('bad_storage_key', `derived files cannot go to ${key}`);
    await this.client
      .send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.objectKey(key),
          Body: bytes,
          ContentLength: bytes.length,
        }),
      )
      .catch((err: unknown) => {
        throw this.failure(err);
      });
    return key;
  }

  /** The spool disk's free bytes (the bucket's room is the provider's to report). */
  freeBytes(): Promise<number> {
    return this.spool.freeBytes();
  }

  /**
   * Room to spool, and a real write into the bucket (a probe object, removed again). A probe that
   * passed within PROBE_FRESH_MS stands, unless a call found the store down since: a write that
   * fails meanwhile waits all the same (StoreUnreachableError), and the re-check then probes again.
   */
  async ensureWritable(): Promise<void> {
    await this.spool.ensureWritable();
    if (Date.now() - this.probedAt < PROBE_FRESH_MS) return;
    const probe = this.objectKey(`tmp/probe-${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}`);
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.settings.bucket, Key: probe, Body: '', ContentLength: 0 }),
        this.quick,
      );
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: probe }),
        this.quick,
      );
      this.probedAt = Date.now();
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Spool files of dead or old writers, and multipart uploads under our prefix begun before `olderThan`. */
  async cleanupTemp(olderThan: Date): Promise<number> {
    let removed = await this.spool.cleanupTemp(olderThan);
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client
        .send(
          new ListMultipartUploadsCommand({
            Bucket: this.settings.bucket,
            Prefix: this.settings.prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        )
        .catch((err: unknown) => {
          throw s3Error(err, this.where);
        });
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= olderThan) continue;
        await this.client
          .send(
            new AbortMultipartUploadCommand({
              Bucket: this.settings.bucket,
              Key: u.Key,
              UploadId: u.UploadId,
            }),
          )
          .then(
            () => removed++,
            () => {},
          );
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed;
  }

  /**
   * Uploads a spooled file under its hash unless the object is there; true when it was. Two
   * writers of the same bytes race safely: the conditional put lets one win, the other gets 412.
   * A file of one part is one conditional PutObject (a 412 says it was there); a larger one is
   * looked for first (its bytes are not sent again) and goes up in parts (lib-storage aborts a failed
   * multipart upload; cleanupTemp catches one whose abort failed). Before the blob counts as stored,
   * the store must show it holds those bytes: a one-part PUT answered with the MD5 of the bytes sent as
   * its ETag (what S3 and its clones answer for a plain object) has; otherwise, and after a multipart
   * upload, a HEAD checks the object's size. An object found there counts only at the right size: a
   * store that is not atomic per key keeps what a writer killed mid-PUT had sent, and the next writer
   * of those bytes (the material's retried download) must not take that stub for the blob.
   */
  private async upload(path: string, sha256: string, sizeBytes: number): Promise<boolean> {
    const key = this.objectKey(blobKeyOf(sha256));
    if (sizeBytes > this.partSize) {
      const found = await this.head(key);
      if (found?.sizeBytes === sizeBytes) return true;
      return this.uploadParts(key, path, sizeBytes, found === undefined);
    }
    // In memory (as lib-storage holds a part): a retry of the request can send it again.
    const body = await readFile(path);
    let etag = await this.putWhole(key, body, true).catch((err: unknown) => {
      if (isAlreadyThere(err)) return null;
      throw this.failure(err);
    });
    if (etag === null) {
      if ((await this.head(key))?.sizeBytes === sizeBytes) return true;
      // A stub of another size under our hash: the bytes the key names replace it.
      etag = await this.putWhole(key, body, false).catch((err: unknown) => {
        throw this.failure(err);
      });
    }
    if (etag !== createHash('md5').update(body).digest('hex')) await this.checkLanded(key, sizeBytes);
    return false;
  }

  /** One PutObject of the whole blob (`ifAbsent`: conditional); the ETag it was answered with. */
  private async putWhole(key: string, body: Buffer, ifAbsent: boolean): Promise<string | undefined> {
    const { ETag: etag } = await this.client.send(
      new PutObjectCommand({
        Bucket: this.settings.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/octet-stream',
        ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
      }),
    );
    return etag?.replace(/"/g, '').toLowerCase();
  }

  /** A multipart upload (`ifAbsent`: conditional; false replaces a stub of another size). */
  private async uploadParts(
    key: string,
    path: string,
    sizeBytes: number,
    ifAbsent: boolean,
  ): Promise<boolean> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.settings.bucket,
        Key: key,
        Body: createReadStream(path, { highWaterMark: 1024 * 1024 }),
        ContentLength: sizeBytes,
        ContentType: 'application/octet-stream',
        ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
      },
      partSize: this.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      if (!isAlreadyThere(err)) throw this.failure(err);
      if ((await this.head(key))?.sizeBytes === sizeBytes) return true;
      return this.uploadParts(key, path, sizeBytes, false);
    }
    await this.checkLanded(key, sizeBytes);
    return false;
  }

  /** The bucket holds `sizeBytes` under `key` (what a successful upload must have left). */
  private async checkLanded(key: string, sizeBytes: number): Promise<void> {
    const landed = await this.head(key);
    if (landed?.sizeBytes !== sizeBytes)
      throw new AppError(
        'blob_upload_mismatch',
        `uploaded ${sizeBytes} bytes to ${key}; the store holds ${landed?.sizeBytes ?? 'nothing'}`,
      );
  }

  /** Maps a failed call (s3Error); a store found down is probed afresh before work resumes. */
  private failure(err: unknown): unknown {
    const mapped = s3Error(err, this.where);
    if (mapped instanceof StoreUnreachableError) this.probedAt = -Infinity;
    return mapped;
  }

  private async head(key: string): Promise<{ sizeBytes: number } | undefined> {
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }),
        this.quick,
      );
      return { sizeBytes: res.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.failure(err);
    }
  }

  private objectKey(storageKey: string): string {
    if (!KEY.test(storageKey) || storageKey.split('/').some((s) => s === '.' || s === '..'))
      throw new AppError('bad_storage_key', `not a storage key: ${JSON.stringify(storageKey)}`);
    return `${this.settings.prefix}${storageKey}`;
  }
}
