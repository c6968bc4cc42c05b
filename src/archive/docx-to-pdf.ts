import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { copyAndHash, type FileProbe } from './copy-and-hash.js';
import { runToolCommand, shellQuote } from './tool-command.js';

/**
 * A DOCX → PDF converter: writes the PDF of `src` at `dest` (a new file) and returns its probe, or
 * throws an Error whose message says why (exit code, timeout, no PDF made). `tool` names it for the
 * 业务行为 record.
 */
export interface DocxToPdf {
  (src: string, dest: string): Promise<FileProbe>;
  tool: string;
}

/**
 * A converter from a command line template (DOCX_TO_PDF_COMMAND), such as
 * `soffice --headless --convert-to pdf --outdir {out} {in}`: `{in}` becomes the shell-quoted path of
 * a copy of the DOCX in a temporary folder (appended when the template has none), `{out}` that
 * folder's output directory, where the command must leave one `.pdf`, and `{profile}` the file URL of a
 * settings folder of this run's own (LibreOffice's `-env:UserInstallation=`: two conversions sharing
 * one profile hand their work to each other or stop on its lock, and exit 0 with no PDF made).
 * Runs under /bin/sh in its own
 * process group, killed whole at the timeout; the temporary folder is always removed, and `dest` is
 * only written once the command has succeeded.
 */
export function commandDocxToPdf(template: string, timeoutMs = 5 * 60_000): DocxToPdf {
  const convert = async (src: string, dest: string): Promise<FileProbe> => {
    const work = await mkdtemp(join(tmpdir(), 'docx-to-pdf-'));
    try {
      const input = join(work, 'document.docx');
      const outDir = join(work, 'out');
      await copyFile(src, input);
      await mkdir(outDir);
      const command = (template.includes('{in}') ? template : `${template} {in}`)
        .split('{in}')
        .join(shellQuote(input))
        .split('{out}')
        .join(shellQuote(outDir))
        .split('{profile}')
        .join(shellQuote(pathToFileURL(join(work, 'profile')).href));
      await run(command, timeoutMs);
      const pdfs = (await readdir(outDir)).filter((n) => n.toLowerCase().endsWith('.pdf'));
      if (pdfs.length === 0) throw new Error('转换命令没有生成 PDF');
      const made = join(outDir, pdfs.includes('document.pdf') ? 'document.pdf' : pdfs[0]!);
      const probe = await copyAndHash(made, dest);
      if (!probe.head.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
        await rm(dest, { force: true });
        throw new Error('转换命令生成的文件不是 PDF');
      }
      return probe;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
  return Object.assign(convert, { tool: `DOCX_TO_PDF_COMMAND（${programOf(template)}）` });
}

/** The program a command template runs (`soffice` of `soffice --headless …`). */
function programOf(template: string): string {
  const first = template.trim().split(/\s+/)[0] ?? '';
  return basename(first.replace(/^['"]|['"]$/g, '')) || template.trim();
}

async function run(command: string, timeoutMs: number): Promise<void> {
  const r = await runToolCommand(command, timeoutMs);
  if (r.kind === 'not-started') throw new Error(`转换命令无法启动：${r.message}`);
  if (r.kind === 'timed-out') throw new Error(`转换超时（${Math.round(timeoutMs / 1000)} 秒），已终止`);
  const text = r.output.slice(0, 300);
  if (r.code !== 0) throw new Error(`转换命令失败（${r.code ?? r.signal}）${text ? `：${text}` : ''}`);
}
