import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HashingWriter } from './hashing-writer.js';

/**
 * Where the transfer folder's files go: at the root of the carrier (the 移交 layout) or inside a
 * BagIt bag's data/ (BagWriter). Paths are relative to the transfer folder, '/'-separated.
 */
export interface PackageWriter {
  /** The folder that holds 说明文件.TXT, 文件目录.XML, 电子档案/ and 其他/. */
  readonly payloadRoot: string;
  /** Absolute path of a payload file, creating its folder once. */
  payloadPath(rel: string): Promise<string>;
  /** Records a finished payload file with its verified SHA-256 and size. */
  addPayload(rel: string, sha256: string, size: number): Promise<void>;
  /** `bytes.files` of the payload so far. */
  readonly payloadOxum: string;
}

/** The transfer folder directly at the carrier root (附件2 of the 电子档案移交与接收办法). */
export class CarrierFolderWriter implements PackageWriter {
  private octets = 0;
  private streams = 0;
  private readonly dirs = new Set<string>();

  constructor(readonly payloadRoot: string) {}

  async payloadPath(rel: string): Promise<string> {
    const path = join(this.payloadRoot, ...rel.split('/'));
    const dir = dirname(path);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    return path;
  }

  async addPayload(_rel: string, _sha256: string, size: number): Promise<void> {
    this.octets += size;
    this.streams++;
  }

  get payloadOxum(): string {
    return `${this.octets}.${this.streams}`;
  }
}

/**
 * The package's own fixity list (`SHA-256  path` per line, CRLF), written as files are finished;
 * its SHA-256 is the package's 数字摘要 on the 移交与接收登记表. Wraps the layout's writer.
 */
export class FixityListWriter implements PackageWriter {
  private list: HashingWriter | undefined;
  private closed = false;

  constructor(
    private readonly inner: PackageWriter,
    private readonly listRel: string,
  ) {}

  get payloadRoot(): string {
    return this.inner.payloadRoot;
  }

  get payloadOxum(): string {
    return this.inner.payloadOxum;
  }

  async open(): Promise<void> {
    this.list = new HashingWriter(await this.inner.payloadPath(this.listRel));
    await this.list.write(`\ufeff# SHA-256  文件（相对于载体根目录）\r\n`);
  }

  payloadPath(rel: string): Promise<string> {
    return this.inner.payloadPath(rel);
  }

  async addPayload(rel: string, sha256: string, size: number): Promise<void> {
    await this.inner.addPayload(rel, sha256, size);
    // Files added after the list is closed (the 登记表 that quotes its hash) are the layout's only.
    if (!this.closed) await this.list!.write(`${sha256}  ${rel}\r\n`);
  }

  /** Gives up the list (the export failed). */
  abort(): void {
    this.list?.abort();
  }

  /** Closes the list (it becomes a payload file itself) and returns its hash: the 数字摘要. */
  async closeList(): Promise<{ sha256: string; size: number }> {
    this.closed = true;
    const h = await this.list!.close();
    await this.inner.addPayload(this.listRel, h.sha256, h.size);
    return h;
  }
}
