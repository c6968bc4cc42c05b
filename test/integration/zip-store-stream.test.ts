import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { folderFiles, zipStream } from '../../src/archive/zip-store.js';

/**
 * The package download's ZIP made on the fly from real files: its length is the one announced before a
 * byte is read, and a file removed or changed after the listing ends the stream with an error instead
 * of ending the process (yazl does not listen for a lazy stream's errors) or sending a wrong ZIP.
 */
describe('zipStream', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const folder = () => {
    dir = mkdtempSync(join(tmpdir(), 'zip-stream-'));
    mkdirSync(join(dir, '电子档案'));
    writeFileSync(join(dir, '说明文件.TXT'), '说明');
    writeFileSync(join(dir, '电子档案', 'a.jpg'), Buffer.alloc(100_000, 1));
    writeFileSync(join(dir, '电子档案', 'b.jpg'), Buffer.alloc(50_000, 2));
    return dir;
  };
  const collect = async (stream: NodeJS.ReadableStream) => {
    const chunks: Buffer[] = [];
    await pipeline(
      stream,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          chunks.push(chunk);
          cb();
        },
      }),
    );
    return Buffer.concat(chunks);
  };

  it('gives the announced length and the files under the prefix', async () => {
    const d = folder();
    const { stream, size } = await zipStream(
      d,
      await folderFiles(d),
      '全宗A182-城关村-2026年度-移交包-1',
      new Date(),
    );
    const zip = await collect(stream);
    expect(zip.length).toBe(size);
    expect(Object.keys(unzipSync(zip)).sort()).toEqual([
      '全宗A182-城关村-2026年度-移交包-1/电子档案/a.jpg',
      '全宗A182-城关村-2026年度-移交包-1/电子档案/b.jpg',
      '全宗A182-城关村-2026年度-移交包-1/说明文件.TXT',
    ]);
  });

  it('a file removed after the listing fails the stream; the process lives on', async () => {
    const d = folder();
    const files = await folderFiles(d);
    rmSync(join(d, '电子档案', 'b.jpg'));
    const { stream } = await zipStream(d, files, 'p', new Date());
    await expect(collect(stream)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a file cut short after the listing fails the stream', async () => {
    const d = folder();
    const files = await folderFiles(d);
    writeFileSync(join(d, '电子档案', 'a.jpg'), Buffer.alloc(10, 1));
    const { stream } = await zipStream(d, files, 'p', new Date());
    await expect(collect(stream)).rejects.toThrow('unexpected number of bytes');
  });
});
