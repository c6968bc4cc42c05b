import { formatProblem } from './four-properties-rules.js';

/** Types of the originals the export makes a WAV archival copy of (Lark voice notes: Opus in Ogg). */
const OPUS_MIMES: ReadonlySet<string> = new Set(['audio/ogg; codecs=opus', 'audio/opus']);

/** How a file is identified: `bytesMime` from its magic bytes alone, `mime` as resolved (sniff-file.ts). */
export interface IdentifiedFormat {
  bytesMime?: string | null;
  mime: string;
}

/**
 * Is a file's format one the archive takes? The one judgement of the 四性 check (check-four-properties-file.ts)
 * and of capture (download-inspect.ts), so a file refused at the export is refused when it arrives, and the
 * officer is told while it can still be sent again:
 * - `ok`: on archive.yaml `allowedFormats` (formatProblem: by the magic bytes, or their container);
 * - `converted`: off the list, but the export makes an archival copy (an Ogg Opus voice note gets a WAV,
 *   archive/opus-to-wav.ts): the original is kept and the package is sound;
 * - `refused`: anything else (a ZIP, a MOV, a HEIC, a plain text file …): the 四性 check fails it.
 */
export type FormatVerdict =
  | { verdict: 'ok' }
  | { verdict: 'converted'; problem: string; copy: 'wav' }
  | { verdict: 'refused'; problem: string };

export function formatVerdict(identified: IdentifiedFormat, allowList: readonly string[]): FormatVerdict {
  const { bytesMime, mime } = identified;
  const problem = formatProblem({ ...(bytesMime ? { bytesMime } : {}), mime }, allowList);
  if (!problem) return { verdict: 'ok' };
  if (OPUS_MIMES.has(bytesMime ?? mime)) return { verdict: 'converted', problem, copy: 'wav' };
  return { verdict: 'refused', problem };
}
