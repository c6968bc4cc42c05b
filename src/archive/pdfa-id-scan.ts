/**
 * The PDF/A part and conformance a file's XMP metadata claims (pdfaid:part / pdfaid:conformance),
 * found while the file's bytes pass by for hashing, so no check reads a file a second time for it.
 * PDF/A requires the metadata stream to be unfiltered, so the bytes are searched as they are. A claim
 * is not validation: no veraPDF runs here.
 *
 * One implementation, kept as plain JavaScript source: the copy threads (copy-pool.ts) evaluate the
 * same text as this module does. A chunk is only decoded and searched with the regular expressions
 * when `pdfaid:` is in it (or in the 512 characters carried over from the chunk before); other chunks
 * cost one byte search.
 */
export const PDFA_ID_SCANNER_SOURCE = String.raw`
function pdfaIdScanner() {
  const PDFAID = /pdfaid:part(?:>|\s*=\s*["'])\s*(\d)[\s\S]{0,200}?pdfaid:conformance(?:>|\s*=\s*["'])\s*([ABUabu])/;
  const PDFAID_REVERSED = /pdfaid:conformance(?:>|\s*=\s*["'])\s*([ABUabu])[\s\S]{0,200}?pdfaid:part(?:>|\s*=\s*["'])\s*(\d)/;
  const CARRY = 512;
  let carry = '';
  let found = null;
  return {
    update(chunk) {
      if (found !== null || chunk.length === 0) return;
      const hit =
        chunk.indexOf('pdfaid:', 0, 'latin1') >= 0 ||
        carry.includes('pdfaid:') ||
        (carry.slice(-6) + chunk.toString('latin1', 0, Math.min(6, chunk.length))).includes('pdfaid:');
      if (!hit) {
        carry =
          chunk.length >= CARRY
            ? chunk.toString('latin1', chunk.length - CARRY)
            : (carry + chunk.toString('latin1')).slice(-CARRY);
        return;
      }
      const text = carry + chunk.toString('latin1');
      const m = PDFAID.exec(text);
      if (m) found = 'PDF/A-' + m[1] + m[2].toLowerCase();
      else {
        const r = PDFAID_REVERSED.exec(text);
        if (r) found = 'PDF/A-' + r[2] + r[1].toLowerCase();
      }
      carry = text.slice(-CARRY);
    },
    result() {
      return found;
    },
  };
}`;

export interface PdfaIdScanner {
  /** The next bytes of the file, in order. */
  update(chunk: Buffer): void;
  /** `PDF/A-2b`, or null when no claim was found in the bytes seen. */
  result(): string | null;
}

// Our own constant source, evaluated once (the copy threads evaluate the same text).
export const pdfaIdScanner = new Function(
  `${PDFA_ID_SCANNER_SOURCE}\nreturn pdfaIdScanner;`,
)() as () => PdfaIdScanner;
