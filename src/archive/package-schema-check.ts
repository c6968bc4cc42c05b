import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** An XML file of the package that does not validate against its schema: its path and libxml2's first error. */
export interface SchemaProblem {
  file: string;
  message: string;
}

const MIB_PAGES = 16; // WebAssembly pages (64 KiB) per MiB
const MAX_PAGES = 65536;
/**
 * Files per libxml2 run. The module is compiled once per validator, so a run costs a few ms; the
 * bound keeps memory flat and stays far below what xmllint's argument list holds (about 4,000 names
 * overflow its stack).
 */
const BATCH = 250;
/** A single document larger than this is validated with xmllint --stream. */
const STREAM_BYTES = 1 << 20;
/** Runs queued at once: the producer waits beyond this (back-pressure). */
const QUEUED = 2;

/**
 * The validator's thread (CommonJS, Node built-ins and xmllint-wasm only), inlined so it runs the same
 * under tsx, vitest and compiled JS. xmllint-wasm's own `validateXML` starts a thread and compiles
 * the WebAssembly for every call (about half a second of CPU); this thread compiles it once and runs
 * the same libxml2 build (the package's Emscripten module, `xmllint-node.js`, each run a fresh
 * instance with its own memory and file system) per batch: `xmllint --schema schema.xsd --noout f0.xml …`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const Module = require(workerData.moduleJs);
// Each run's instance memory (16 MiB and up) is freed at once: this small heap rarely collects on its
// own, and the memories of finished runs would pile up in RSS until it did.
require('node:v8').setFlagsFromString('--expose-gc');
const collect = require('node:vm').runInNewContext('gc');
const compiled = new WebAssembly.Module(fs.readFileSync(path.join(path.dirname(workerData.moduleJs), 'xmllint.wasm')));
parentPort.on('message', async (m) => {
  if (m.op !== 'validate') return;
  let output = '';
  let exitCode = -1;
  try {
    await Module({
      inputFiles: m.files.concat([{ fileName: 'schema.xsd', contents: m.xsd }]),
      arguments: ['--schema', 'schema.xsd', '--noout', ...(m.stream ? ['--stream'] : []), ...m.files.map((f) => f.fileName)],
      print() {},
      printErr(text) { output += text + '\\n'; },
      onExit(code) { exitCode = code; },
      onAbort(reason) { output += 'WASM Abort: ' + reason + '\\n'; },
      wasmMemory: new WebAssembly.Memory({ initial: m.initialPages, maximum: m.maxPages }),
      instantiateWasm(imports, done) {
        done(new WebAssembly.Instance(compiled, imports), compiled);
        return {};
      },
    });
  } catch (err) {
    output += (err && err.message) || String(err);
  }
  collect();
  parentPort.postMessage({ id: m.id, exitCode, output });
});
`;

type Run = { exitCode: number; output: string };

/**
 * Validates XML documents against one XSD with libxml2 compiled to WebAssembly (xmllint-wasm:
 * nothing native, nothing downloaded), on a thread of its own, in batches as they are added: the
 * export hands each item's metadata XML over as it writes it (the very bytes it writes and hashes),
 * and the batches validate while the files copy. `finish()` returns each invalid document's first
 * error with the name given for it, and ends the thread; `close()` ends it on the way out of an error.
 */
export class SchemaValidator {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (r: Run) => void>();
  private readonly runs: Promise<void>[] = [];
  private readonly problems: SchemaProblem[] = [];
  private batch: { name: string; contents: Uint8Array }[] = [];
  private batchXsd: string;
  /** Documents added so far. */
  added = 0;
  private nextId = 1;
  private failed: Error | undefined;

  constructor(private readonly xsd: string) {
    this.batchXsd = xsd;
    const moduleJs = createRequire(import.meta.url).resolve('xmllint-wasm/xmllint-node.js');
    // No inherited loaders (tsx, vitest): the thread is plain CommonJS.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { moduleJs } });
    this.worker.on('message', (m: { id: number } & Run) => {
      const resolve = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      resolve?.(m);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', () => this.fail(new Error('XML 校验线程已退出')));
  }

  /**
   * Adds a document to validate against the validator's XSD (or `xsd`); waits while QUEUED runs
   * are pending, so memory stays flat.
   */
  async add(name: string, contents: Uint8Array, xsd = this.xsd): Promise<void> {
    if (this.failed) throw this.failed;
    if (xsd !== this.batchXsd) {
      this.flush();
      this.batchXsd = xsd;
    }
    this.added++;
    this.batch.push({ name, contents });
    if (this.batch.length < BATCH) return;
    this.flush();
    while (this.runs.length > QUEUED) await this.runs[0];
  }

  /** Validates what is left and returns every problem, in the order the documents were added. */
  async finish(): Promise<SchemaProblem[]> {
    this.flush();
    while (this.runs.length > 0) await this.runs[0];
    await this.close();
    if (this.failed) throw this.failed;
    return this.problems;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    const run = this.validate(batch, this.batchXsd).then(
      (problems) => {
        this.problems.push(...problems);
      },
      (err: Error) => this.fail(err),
    );
    this.runs.push(run);
    void run.finally(() => this.runs.splice(this.runs.indexOf(run), 1));
  }

  private async validate(
    batch: { name: string; contents: Uint8Array }[],
    xsd: string,
  ): Promise<SchemaProblem[]> {
    if (this.failed) throw this.failed;
    // Plain ASCII names inside libxml2's in-memory file system, mapped back to the package paths.
    const files = batch.map((f, i) => ({ fileName: `f${i}.xml`, contents: f.contents }));
    const bytes = files.reduce((n, x) => n + x.contents.length, 0);
    const id = this.nextId++;
    const done = new Promise<Run>((resolve) => this.waiting.set(id, resolve));
    this.worker.postMessage({
      op: 'validate',
      id,
      files,
      xsd,
      // A large document (文件目录.XML) is validated as it is read, without its whole tree in memory.
      stream: files.length === 1 && bytes > STREAM_BYTES,
      initialPages: 256,
      // The memory limit grows with the batch, so a large 文件目录.XML validates too.
      maxPages: Math.min(MAX_PAGES, Math.max(256, 64 * MIB_PAGES + Math.ceil((bytes * 8) / 65536))),
    });
    const { exitCode, output } = await done;
    // 0: all valid; 3/4: validation errors; 1: not well-formed XML; anything else: libxml2 broke.
    if (exitCode === 0) return [];
    const first = firstErrors(output);
    // A run that failed without naming a file (libxml2 could not start) is every file's problem.
    if (first.size === 0) batch.forEach((_, i) => first.set(i, output.trim().split('\n')[0] || '无法校验'));
    return [...first.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([i, message]) => ({ file: batch[i]!.name, message }));
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const resolve of this.waiting.values()) resolve({ exitCode: -1, output: err.message });
    this.waiting.clear();
  }
}

/**
 * Validates XML files against one XSD (SchemaValidator), read from disk as written (the package's
 * own bytes); each file's first error is returned with the path given for it.
 */
export async function validateFilesAgainstSchema(
  files: readonly { path: string; name: string }[],
  xsd: string,
): Promise<SchemaProblem[]> {
  const validator = new SchemaValidator(xsd);
  try {
    for (const f of files) await validator.add(f.name, await readFile(f.path));
    return await validator.finish();
  } finally {
    await validator.close();
  }
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
