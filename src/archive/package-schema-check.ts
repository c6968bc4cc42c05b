import { readFile } from 'node:fs/promises';

/** An XML file of the package that does not validate against its schema: its path and libxml2's first error. */
export interface SchemaProblem {
  file: string;
  message: string;
}

const MIB_PAGES = 16; // WebAssembly pages (64 KiB) per MiB
const MAX_PAGES = 65536;
/** Item metadata files validated per libxml2 run (each run starts a worker and compiles the WASM). */
const BATCH = 1000;

type ValidateXml = typeof import('xmllint-wasm').validateXML;
let loaded: Promise<ValidateXml> | undefined;
/** xmllint-wasm (libxml2 compiled to WebAssembly, shipped in the npm package) is loaded on first use. */
const validator = () => (loaded ??= import('xmllint-wasm').then((m) => m.validateXML));

/**
 * Validates XML files against one XSD with libxml2 (xmllint-wasm): nothing native, nothing
 * downloaded. Files are read from disk as written (the package's own bytes) and validated in
 * batches; each file's first error is returned with the path given for it. The WASM memory limit
 * grows with the batch's size, so a large 文件目录.XML validates too.
 */
export async function validateFilesAgainstSchema(
  files: readonly { path: string; name: string }[],
  xsd: string,
): Promise<SchemaProblem[]> {
  const validateXML = await validator();
  const problems: SchemaProblem[] = [];
  for (let start = 0; start < files.length; start += BATCH) {
    const batch = files.slice(start, start + BATCH);
    // Plain ASCII names inside libxml2's in-memory file system, mapped back to the package paths.
    const xml = await Promise.all(
      batch.map(async (f, i) => ({ fileName: `f${i}.xml`, contents: await readFile(f.path) })),
    );
    const bytes = xml.reduce((n, x) => n + x.contents.length, 0);
    const pages = Math.min(MAX_PAGES, 64 * MIB_PAGES + Math.ceil((bytes * 8) / 65536));
    let output: string;
    try {
      const res = await validateXML({
        xml,
        schema: [{ fileName: 'schema.xsd', contents: xsd }],
        initialMemoryPages: 256,
        maxMemoryPages: Math.max(256, pages),
      });
      if (res.valid) continue;
      output = res.rawOutput;
    } catch (err) {
      // xmllint exits 1 (not 3/4) when a file is not well-formed XML: the library rejects with its output.
      output = err instanceof Error ? err.message : String(err);
    }
    const first = firstErrors(output);
    // A run that failed without naming a file (libxml2 could not start) is every file's problem.
    if (first.size === 0) batch.forEach((_, i) => first.set(i, output.trim().split('\n')[0] || '无法校验'));
    for (const [i, message] of [...first.entries()].sort((a, b) => a[0] - b[0]))
      problems.push({ file: batch[i]!.name, message });
  }
  return problems;
}

/** libxml2's first message per file (`f3.xml:12: Schemas validity error : …`). */
function firstErrors(output: string): Map<number, string> {
  const first = new Map<number, string>();
  for (const line of output.split('\n')) {
    const m = /^f(\d+)\.xml(?::(\d+))?:?\s*(.*)$/.exec(line.trim());
    // `f0.xml validates` for the good ones; `f3.xml fails to validate` follows f3's own errors.
    if (!m || m[3] === 'validates') continue;
    const i = Number(m[1]);
    const text = m[2] ? `第 ${m[2]} 行：${m[3]}` : m[3]!;
    if (!first.has(i)) first.set(i, text);
  }
  return first;
}
