/**
 * Task codes are what an officer types to file a burst: the checklist item code (`C03`) for village
 * tasks, plus the household code for household tasks (`H03-12`). Unique within a unit's tasks of
 * one campaign.
 */
export function taskCode(itemCode: string, householdCode?: string | null): string {
  return householdCode ? `${itemCode}-${householdCode.toUpperCase()}` : itemCode;
}

const CODE_BODY = '([A-Za-z]{1,3})(\\d{1,3})(?:-([0-9A-Za-z]{1,20}))?';
const HASHED = new RegExp(`#\\s*${CODE_BODY}(?![0-9A-Za-z])`);
const BOUNDARY = '[\\s,.;:!?()\\[\\]"\'，。；：！？、（）【】《》“”‘’]';
const PLAIN = new RegExp(`(?:^|${BOUNDARY})([A-Z]{1,3})(\\d{2,3})(?:-([0-9A-Za-z]{1,20}))?(?=$|${BOUNDARY})`);

/** `c3` → `C03`, `h3-a12` → `H03-A12` (upper-cased, item number padded to 2 digits). */
export function normalizeTaskCode(raw: string): string | undefined {
  const m = new RegExp(`^${CODE_BODY}$`).exec(raw.normalize('NFKC').trim());
  return m ? join(m[1]!, m[2]!, m[3]) : undefined;
}

/**
 * Finds a task code in a caption or message: `#C03`, full-width `＃Ｃ０３`, `# c3`; a plain `C03`
 * only when it stands alone (upper-case, two digits, bounded by spaces or punctuation).
 */
export function parseTaskCode(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const t = text.normalize('NFKC').replace(/－/g, '-');
  const hashed = HASHED.exec(t);
  if (hashed) return join(hashed[1]!, hashed[2]!, hashed[3]);
  const plain = PLAIN.exec(t);
  return plain ? join(plain[1]!, plain[2]!, plain[3]) : undefined;
}

function join(letters: string, digits: string, household: string | undefined): string {
  const item = `${letters.toUpperCase()}${digits.padStart(2, '0')}`;
  return household ? `${item}-${household.toUpperCase()}` : item;
}

const OPEN = '[\\[【〔(（<《]';
const CLOSE = '[\\]】〕)）>》]';
const HASHED_ALL = new RegExp(`${OPEN}?\\s*#\\s*${CODE_BODY}(?![0-9A-Za-z])\\s*${CLOSE}?`, 'g');

/**
 * The caption without the task codes that file it (`#C03`, and the standalone `C03` or `[C03]` that
 * parseTaskCode takes when no #code is written), brackets around them included: what is left is the
 * officer's words about the materials, the item's 题名 (「[C05] 会议照片」 → 「 会议照片」).
 */
export function withoutTaskCodes(text: string): string {
  const t = text.normalize('NFKC').replace(/－/g, '-');
  const hashed = t.replace(HASHED_ALL, ' ');
  if (hashed !== t || !PLAIN.exec(t)) return hashed;
  const m = PLAIN.exec(t)!;
  // PLAIN's match starts with the boundary before the code (or at the start): keep that character,
  // unless it is the code's opening bracket.
  const lead = m[0].length > 0 && !/[A-Z]/.test(m[0][0]!) ? m[0][0]! : '';
  let start = m.index + lead.length;
  let end = m.index + m[0].length;
  if (new RegExp(`^${OPEN}$`).test(lead) && new RegExp(`^${CLOSE}`).test(t.slice(end))) {
    start -= 1;
    end += 1;
  }
  return `${t.slice(0, start)} ${t.slice(end)}`;
}
