import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPdfaId } from '../../src/archive/container-probe.js';
import { copyAndHash, copyStreamAndHash } from '../../src/archive/copy-and-hash.js';
import { CopyPool } from '../../src/archive/copy-pool.js';
import { pdfaIdScanner } from '../../src/archive/pdfa-id-scan.js';

const XMP =
  '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">' +
  '<pdfaid:part>2</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance></rdf:Description>';
const REVERSED = '<rdf:Description pdfaid:conformance="U"\n  pdfaid:part="3"/>';

/** Random bytes with `text` at `at` (random bytes never hold `pdfaid:` by chance at these sizes). */
function fileWith(size: number, text: string, at: number): Buffer {
  const buf = randomBytes(size);
  buf.write(text, at, 'latin1');
  return buf;
}

describe('the PDF/A claim is found while the bytes are hashed (no second read)', () => {
  let dir: string;
  const MIB = 1 << 20;
  const files: Record<string, { bytes: Buffer; claim: string | null }> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pdfa-id-'));
    const cases: [string, Buffer, string | null][] = [
      ['small', fileWith(200_000, XMP, 150_000), 'PDF/A-2b'],
      ['reversed', fileWith(200_000, REVERSED, 10), 'PDF/A-3u'],
      ['none', randomBytes(200_000), null],
      // Streamed in 1 MiB chunks: the claim straddles the boundary between the first two.
      ['straddles', fileWith(10 * MIB, XMP, MIB - 40), 'PDF/A-2b'],
      ['late', fileWith(9 * MIB, XMP, 9 * MIB - XMP.length), 'PDF/A-2b'],
    ];
    for (const [name, bytes, claim] of cases) {
      writeFileSync(join(dir, name), bytes);
      files[name] = { bytes, claim };
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the scanner finds a claim cut at any point between two chunks', () => {
    const bytes = Buffer.from(`xx${XMP}yy`, 'latin1');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = pdfaIdScanner();
      s.update(bytes.subarray(0, cut));
      s.update(bytes.subarray(cut));
      expect(s.result(), `cut at ${cut}`).toBe('PDF/A-2b');
    }
  });

  it('the copy threads, the in-process copy, the stream copy and the fallback read agree', async () => {
    const pool = new CopyPool(1);
    try {
      for (const [name, { bytes, claim }] of Object.entries(files)) {
        const src = join(dir, name);
        expect((await pool.copy(src)).pdfaId, `pool ${name}`).toBe(claim);
        expect((await copyAndHash(src)).pdfaId, `in process ${name}`).toBe(claim);
        const chunks = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) =>
          bytes.subarray(i * 65536, (i + 1) * 65536),
        );
        expect((await copyStreamAndHash(Readable.from(chunks))).pdfaId, `stream ${name}`).toBe(claim);
        expect((await scanPdfaId(src)) ?? null, `read ${name}`).toBe(claim);
      }
    } finally {
      await pool.close();
    }
  });
});
