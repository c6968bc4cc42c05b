import { createReadStream } from 'node:fs';

const PAGE = /\/Type\s*\/Page(?![A-Za-z])/g;
const OVERLAP = 32;

/**
 * Pages of a PDF, counted from its `/Type /Page` objects while streaming (flat memory). Undefined
 * when none are visible (pages inside compressed object streams): callers then count one page.
 */
export async function countPdfPages(path: string): Promise<number | undefined> {
  let count = 0;
  let carry = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = carry + (chunk as Buffer).toString('latin1');
    // Count only matches that end before the overlap kept for the next chunk (no double counting).
    const limit = text.length - OVERLAP;
    for (const m of text.matchAll(PAGE)) if (m.index! < limit) count++;
    carry = text.slice(Math.max(0, limit));
  }
  for (const _ of carry.matchAll(PAGE)) count++;
  return count > 0 ? count : undefined;
}
