import { readFile } from 'node:fs/promises';
import { brokenClausesText, checkPdfA2b, type PdfaClauseResult } from '../archive/pdfa-check.js';
import { oneAtATime } from '../archive/run-pool.js';

/** PDFs up to this size are read whole for the PDF/A clause check; larger ones keep their XMP claim unchecked. */
export const PDFA_CHECK_MAX_BYTES = 64 * 1024 * 1024;

export interface PdfaFileCheck {
  /** false: too large to read here (the claim stands, unchecked). */
  checked: boolean;
  results: PdfaClauseResult[];
  /** The broken clauses as one line ('' when none). */
  broken: string;
}

/** One file read whole at a time in this process (the export checks several records at once; peak RSS is a target). */
const queue = oneAtATime();

/** The PDF/A-2b clause check (`archive/pdfa-check.ts`) of a file on disk. */
export async function checkPdfaFile(path: string, size: number): Promise<PdfaFileCheck> {
  if (size > PDFA_CHECK_MAX_BYTES) return { checked: false, results: [], broken: '' };
  const results = await queue(async () => checkPdfA2b(await readFile(path)));
  return { checked: true, results, broken: brokenClausesText(results) };
}
