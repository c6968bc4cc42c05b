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
