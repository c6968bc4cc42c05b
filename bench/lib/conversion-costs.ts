/**
 * What the export's conversions cost per item, measured in this process on files written here:
 * the PDF/A-2b 版式 copy of photographed pages (phone-sized JPEGs, embedded as they are) and the WAV
 * archival copy of a Lark voice note. bench:export prints the table after its copy figures.
 *
 * Env knobs: BENCH_PDF_ITEMS (20) items of BENCH_PDF_PAGES (4) photos of 4000×3000; BENCH_WAV_ITEMS (20)
 * voice notes (the 2 s test recording).
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { opusToWav } from '../../src/archive/opus-to-wav.js';
import { photoPagesToPdf } from '../../src/archive/photo-pages-pdf.js';

const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export async function conversionCostLines(root: string): Promise<string> {
  const dir = join(root, 'conversions');
  mkdirSync(dir, { recursive: true });
  try {
    const items = num('BENCH_PDF_ITEMS', 20);
    const perItem = num('BENCH_PDF_PAGES', 4);
    // Photos of pages as a phone takes them: 12 MP JPEG, noisy enough to be 2-4 MB like a real one.
    const pages: string[] = [];
    for (let i = 0; i < perItem; i++) {
      const path = join(dir, `page-${i}.jpg`);
      const bytes = await sharp({
        create: {
          width: 4000,
          height: 3000,
          channels: 3,
          background: '#fff',
          noise: { type: 'gaussian', mean: 180, sigma: 20 },
        },
      })
        .jpeg({ quality: 85 })
        .toBuffer();
      writeFileSync(path, bytes);
      pages.push(path);
    }
    const photoBytes = pages.reduce((n, p) => n + statSync(p).size, 0);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < items; i++)
      await photoPagesToPdf(
        pages.map((path) => ({ path, name: path })),
        join(dir, `item-${i}.pdf`),
        { title: `item-${i}`, createdAt: new Date(), creator: 'bench' },
      );
    const pdfMs = ms(t0);

    const wavItems = num('BENCH_WAV_ITEMS', 20);
    const voice = join(dir, 'voice.opus');
    writeFileSync(
      voice,
      readFileSync(new URL('../../test/fixtures/audio/lark-voice-note.opus', import.meta.url)),
    );
    let audioMs = 0;
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < wavItems; i++)
      audioMs += (await opusToWav(voice, join(dir, `voice-${i}.wav`))).durationMs;
    const wavMs = ms(t1);
    return [
      '',
      '| conversion (in this process, one at a time as the export runs them) | per item | per unit |',
      '|---|---:|---:|',
      `| PDF/A-2b of photographed pages: ${items} items × ${perItem} photos of 4000×3000 (${(photoBytes / perItem / 2 ** 20).toFixed(1)} MB each, embedded as they are) | ${(pdfMs / items).toFixed(1)} ms | ${(pdfMs / items / perItem).toFixed(1)} ms per page |`,
      `| WAV copy of a Lark voice note (Opus, ${(audioMs / wavItems / 1000).toFixed(1)} s): ${wavItems} items | ${(wavMs / wavItems).toFixed(1)} ms | ${(wavMs / (audioMs / 1000)).toFixed(1)} ms per second of audio |`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
