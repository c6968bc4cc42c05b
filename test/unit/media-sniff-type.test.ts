import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffType } from '../../src/media/sniff-type.js';

describe('sniffType', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sniff-'));
    const img = sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } });
    await img.clone().jpeg().toFile(file('photo.bin'));
    await img.clone().png().toFile(file('really-png.jpg'));
    writeFileSync(file('doc.pdf'), Buffer.from('%PDF-1.7\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n'));
    writeFileSync(file('notes.txt'), '会议纪要\n第一项……\n');
    // Legacy Office (.doc/.xls) is an OLE compound file: file-type only says "x-cfb".
    const cfb = Buffer.alloc(1024);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(cfb);
    writeFileSync(file('old.doc'), cfb);
    // An MP4 (ftyp box) sent as a file.
    const ftyp = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypisom'),
      Buffer.alloc(4),
      Buffer.from('isomiso2mp41'),
    ]);
    writeFileSync(file('clip.mp4'), Buffer.concat([ftyp, Buffer.alloc(256)]));
    writeFileSync(file('random.dat'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    writeFileSync(file('page.pdf'), '<!DOCTYPE html><html><body>not a pdf</body></html>');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trusts the bytes over the name and the declared type', async () => {
    expect(await sniffType(file('photo.bin'))).toEqual({
      mime: 'image/jpeg',
      source: 'bytes',
      kind: 'photo',
    });
    expect(
      await sniffType(file('really-png.jpg'), { declaredMime: 'image/jpeg', fileName: 'x.jpg' }),
    ).toEqual({
      mime: 'image/png',
      source: 'bytes',
      kind: 'photo',
    });
    expect(await sniffType(file('doc.pdf'), { fileName: 'scan.jpg' })).toMatchObject({
      mime: 'application/pdf',
      kind: 'document',
    });
    expect(await sniffType(file('clip.mp4'))).toMatchObject({ mime: 'video/mp4', kind: 'video' });
  });

  it('falls back to the declared type, then the name, for what the bytes cannot tell', async () => {
    expect(await sniffType(file('notes.txt'), { fileName: '纪要.txt' })).toEqual({
      mime: 'text/plain',
      source: 'name',
      kind: 'document',
    });
    expect(await sniffType(file('notes.txt'), { declaredMime: 'text/markdown' })).toMatchObject({
      mime: 'text/markdown',
      source: 'declared',
    });
    expect(await sniffType(file('old.doc'), { fileName: '通知.doc' })).toMatchObject({
      mime: 'application/msword',
      source: 'name',
    });
    expect(await sniffType(file('old.doc'))).toMatchObject({ mime: 'application/x-cfb', source: 'bytes' });
    expect(await sniffType(file('random.dat'))).toEqual({
      mime: 'application/octet-stream',
      source: 'unknown',
      kind: 'document',
    });
    expect(await sniffType(file('random.dat'), { declaredMime: 'application/octet-stream' })).toMatchObject({
      source: 'unknown',
    });
  });

  it('does not believe a name or declared type the bytes contradict: an HTML page named .pdf is text/html', async () => {
    expect(
      await sniffType(file('page.pdf'), { declaredMime: 'application/pdf', fileName: 'report.pdf' }),
    ).toMatchObject({ mime: 'text/html', source: 'bytes' });
    expect(await sniffType(file('notes.txt'), { fileName: 'photo.jpg' })).toMatchObject({
      mime: 'text/plain',
    });
    expect(await sniffType(file('random.dat'), { fileName: 'x.pdf' })).toMatchObject({
      mime: 'text/plain',
    });
  });
});
