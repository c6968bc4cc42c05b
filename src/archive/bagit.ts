import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HashingWriter, writeHashed } from './hashing-writer.js';
import type { PackageWriter } from './package-writer.js';

/** BagIt 1.0 (RFC 8493) path encoding in manifests: only %, CR and LF are percent-encoded. */
export const encodeBagPath = (p: string) =>
  p.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/**
 * Writes a BagIt 1.0 bag: payload under `data/`, `manifest-sha256.txt` appended as each payload
 * file is finished (flat memory), then `bagit.txt`, `bag-info.txt` (with Payload-Oxum and
 * Bagging-Date) and `tagmanifest-sha256.txt` over those tag files.
 */
export class BagWriter implements PackageWriter {
  private manifest!: HashingWriter;
  private octets = 0;
  private streams = 0;
  private readonly dirs = new Set<string>();

  constructor(readonly root: string) {}

  get payloadRoot(): string {
    return join(this.root, 'data');
  }

  async open(): Promise<void> {
    await mkdir(join(this.root, 'data'), { recursive: true });
    this.manifest = new HashingWriter(join(this.root, 'manifest-sha256.txt'));
  }

  /** Absolute path of a payload file (`rel` uses '/'), creating its folder once. */
  async payloadPath(rel: string): Promise<string> {
    const path = join(this.root, 'data', ...rel.split('/'));
    const dir = dirname(path);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.dirs.add(dir);
    }
    return path;
  }

  /** Records a finished payload file with its verified SHA-256 and size. */
  async addPayload(rel: string, sha256: string, size: number): Promise<void> {
    await this.manifest.write(`${sha256}  data/${encodeBagPath(rel)}\n`);
    this.octets += size;
    this.streams++;
  }

  get payloadOxum(): string {
    return `${this.octets}.${this.streams}`;
  }

  /** Gives up the manifest (the export failed). */
  abort(): void {
    (this.manifest as HashingWriter | undefined)?.abort();
  }

  async finish(info: Record<string, string>, baggingDate: string): Promise<{ payloadOxum: string }> {
    const tags: [string, { sha256: string }][] = [];
    tags.push(['manifest-sha256.txt', await this.manifest.close()]);
    tags.push([
      'bagit.txt',
      await writeHashed(
        join(this.root, 'bagit.txt'),
        'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
      ),
    ]);
    const fields: [string, string][] = [
      ...Object.entries(info).filter(([, v]) => v !== ''),
      ['Bagging-Date', baggingDate],
      ['Payload-Oxum', this.payloadOxum],
    ];
    const bagInfo = fields.map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}\n`).join('');
    tags.push(['bag-info.txt', await writeHashed(join(this.root, 'bag-info.txt'), bagInfo)]);
    tags.sort((a, b) => a[0].localeCompare(b[0]));
    await writeHashed(
      join(this.root, 'tagmanifest-sha256.txt'),
      tags.map(([name, h]) => `${h.sha256}  ${name}\n`).join(''),
    );
    return { payloadOxum: this.payloadOxum };
  }
}
