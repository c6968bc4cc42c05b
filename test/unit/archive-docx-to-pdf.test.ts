import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandDocxToPdf } from '../../src/archive/docx-to-pdf.js';

/** A real converter process that records the profile URL it was given, then writes a "PDF". */
const RECORDING = `
const [input, outDir, profile, log] = process.argv.slice(2);
const fs = require('node:fs');
fs.appendFileSync(log, profile + '\\n');
fs.writeFileSync(require('node:path').join(outDir, 'document.pdf'), '%PDF-1.7\\n%%EOF\\n');
`;

describe('DOCX_TO_PDF_COMMAND: {profile}', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docx-to-pdf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each conversion a settings folder of its own (file URL), so conversions at once do not share one', async () => {
    const script = join(dir, 'convert.cjs');
    const log = join(dir, 'profiles.txt');
    writeFileSync(script, RECORDING);
    writeFileSync(join(dir, 'a.docx'), 'PK');
    const convert = commandDocxToPdf(`'${process.execPath}' '${script}' {in} {out} {profile} '${log}'`);
    await Promise.all([
      convert(join(dir, 'a.docx'), join(dir, 'a.pdf')),
      convert(join(dir, 'a.docx'), join(dir, 'b.pdf')),
    ]);
    const profiles = readFileSync(log, 'utf8').trim().split('\n');
    expect(profiles).toHaveLength(2);
    for (const p of profiles) expect(p).toMatch(/^file:\/\/\/.+\/profile$/);
    expect(profiles[0]).not.toBe(profiles[1]);
    // Each run's folder is removed with its temporary folder.
    for (const p of profiles) expect(existsSync(new URL(p))).toBe(false);
    expect(readFileSync(join(dir, 'b.pdf'), 'latin1')).toMatch(/^%PDF-/);
  });
});
