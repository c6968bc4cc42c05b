/**
 * 发文机关 of a received document from its 文号: the 机关代字 before the year in 〔〕 names the body
 * that issued it (档发〔2016〕13号 → 国家档案局). A few national ones are built in; archive.yaml's
 * `issuers` adds the county's own (县政办发 → 某县人民政府办公室) and overrides these. Unknown
 * prefixes give nothing: the 责任者 then stays the filing unit, never a guess.
 */
export const NATIONAL_ISSUERS: Readonly<Record<string, string>> = {
  国发: '国务院',
  国办发: '国务院办公厅',
  中发: '中共中央',
  中办发: '中共中央办公厅',
  档发: '国家档案局',
  国开发: '国务院扶贫开发领导小组',
  国开办发: '国务院扶贫开发领导小组办公室',
};

/** The 机关代字 of a 文号 (`县政办发〔2025〕3号` → `县政办发`), or undefined when it has none. */
export function issuerPrefixOf(docNumber: string): string | undefined {
  const m = /^\s*([\u4e00-\u9fa5A-Za-z]{1,16})[〔［[(（]\d{4}[〕］\])）]/.exec(docNumber.normalize('NFC'));
  return m?.[1];
}

/** The issuing body a 文号 names, from the configured table (then the national one). */
export function issuerOf(
  docNumber: string | null | undefined,
  issuers: Readonly<Record<string, string>> = {},
): string | undefined {
  const prefix = docNumber ? issuerPrefixOf(docNumber) : undefined;
  if (!prefix) return undefined;
  const exact = issuers[prefix] ?? NATIONAL_ISSUERS[prefix];
  if (exact) return exact;
  // The longest configured ending: a 文号 read out of running text may carry words before it
  // (转发县政发…). National 代字 match whole only (国发 is not 某某国发).
  const chars = Array.from(prefix);
  for (let i = 1; i <= chars.length - 2; i++) {
    const body = issuers[chars.slice(i).join('')];
    if (body) return body;
  }
  return undefined;
}
