/**
 * The image streams of a PDF as written (no decoding): for each `/Filter /DCTDecode` image XObject,
 * its raw stream bytes, in file order. Enough for the PDFs pdfkit writes (no object streams).
 */
export function dctImages(pdf: Buffer): { width: number; height: number; bytes: Buffer }[] {
  const text = pdf.toString('latin1');
  const out: { width: number; height: number; bytes: Buffer }[] = [];
  const re = /<<([^]*?)>>\s*stream(\r\n|\n)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const dict = m[1]!;
    if (!/\/Subtype\s*\/Image\b/.test(dict) || !/\/Filter\s*\/DCTDecode\b/.test(dict)) continue;
    const length = Number(/\/Length\s+(\d+)/.exec(dict)![1]);
    const start = m.index + m[0].length;
    out.push({
      width: Number(/\/Width\s+(\d+)/.exec(dict)![1]),
      height: Number(/\/Height\s+(\d+)/.exec(dict)![1]),
      bytes: pdf.subarray(start, start + length),
    });
    re.lastIndex = start + length;
  }
  return out;
}

/** Each page's MediaBox [w, h], in file order. */
export function pageBoxes(pdf: Buffer): [number, number][] {
  const text = pdf.toString('latin1');
  return [...text.matchAll(/\/Type\s*\/Page\b[^]*?\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)].map(
    (m) => [Number(m[1]), Number(m[2])],
  );
}
