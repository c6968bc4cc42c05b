import { partsIn } from './working-days.js';
import { normalizeTaskCode } from './task-code.js';

export interface FindQuery {
  taskCode?: string;
  /** A local day [from, to) when a date was written. */
  from?: Date;
  to?: Date;
  words: string[];
}

/** Midnight of a local calendar day in the zone (the offset of that day, DST-safe enough for CN). */
function localMidnight(y: number, m: number, d: number, timeZone: string): Date {
  const guess = new Date(Date.UTC(y, m - 1, d));
  const p = partsIn(guess, timeZone);
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
  );
  return new Date(guess.getTime() - (asUtc - guess.getTime()));
}

/**
 * The words of `查 …`: a task code (C03, H01-02), a day (今天, 昨天, 5月6日, 5-6, 2025-05-06,
 * 2025年5月6日), and keywords (a household head's name, a word of the title, the filer's name, a 档号,
 * a file name).
 */
export function parseFindQuery(args: string, now: Date, timeZone: string): FindQuery {
  const q: FindQuery = { words: [] };
  const today = partsIn(now, timeZone);
  const day = (y: number, m: number, d: number) => {
    q.from = localMidnight(y, m, d, timeZone);
    q.to = new Date(q.from.getTime() + 24 * 3600_000);
  };
  for (const raw of args.normalize('NFKC').split(/\s+/).filter(Boolean)) {
    const w = raw.replace(/^#/, '');
    const code = normalizeTaskCode(w);
    if (code && !q.taskCode) {
      q.taskCode = code;
      continue;
    }
    if (w === '今天' || w === '昨天') {
      const at = new Date(now.getTime() - (w === '昨天' ? 24 * 3600_000 : 0));
      const p = partsIn(at, timeZone);
      day(Number(p.year), Number(p.month), Number(p.day));
      continue;
    }
    const full = /^(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?$/.exec(w);
    const short = /^(\d{1,2})[-/月.](\d{1,2})日?$/.exec(w);
    if (full) {
      day(Number(full[1]), Number(full[2]), Number(full[3]));
      continue;
    }
    if (short) {
      day(Number(today.year), Number(short[1]), Number(short[2]));
      continue;
    }
    // Long enough for a whole 档号 (A182-WS·2025-D30-ZH-0001) or a file name.
    q.words.push(w.slice(0, 40));
  }
  q.words = q.words.slice(0, 3);
  return q;
}
