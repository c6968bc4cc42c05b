// Builds dist/ from src/: tsc checks the types, esbuild bundles each program (the bot, the CLI commands)
// with the dependencies it loads at start (see bundle() below). Plain Node, no dependencies but the
// project's dev dependencies TypeScript and esbuild.
//   node scripts/build.mjs             build now
//   node scripts/build.mjs --if-stale  build only when dist/ is missing or out of date (isStale below)
// The new build is written beside dist/ and swapped in, so a running process keeps its files, and a
// lock folder lets two commands that find dist/ stale at once build it once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const lock = join(root, '.dist-building');

/**
 * Newest modification time of our own files the build reads: the TypeScript configuration, src/,
 * patches/, and this script itself (a change to how dist/ is built makes it stale too). Not package.json or
 * package-lock.json: `npm update chinese-days` rewrites the lock, but what dist/ holds of the
 * dependencies is judged by the installed versions (isStale). scripts/run-dist.mjs only runs dist/,
 * which does not depend on it.
 */
export function newestSource(base = root) {
  let newest = 0;
  for (const file of ['tsconfig.json', 'tsconfig.build.json', join('scripts', 'build.mjs')])
    newest = Math.max(newest, statSync(join(base, file)).mtimeMs);
  for (const entry of readdirSync(join(base, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  // patches/ (patch-package, applied at install) changes bundled packages without changing their version.
  if (existsSync(join(base, 'patches')))
    for (const name of readdirSync(join(base, 'patches')))
      newest = Math.max(newest, statSync(join(base, 'patches', name)).mtimeMs);
  return newest;
}

/** package.json without its dependency lists (those are judged by what is installed), as a hash. */
export function packageJsonHash(base = root) {
  const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'])
    delete pkg[field];
  return createHash('sha256').update(JSON.stringify(pkg)).digest('hex');
}

/**
 * The installed packages a build copied into dist/ (bundled, or the minified Lark SDK), from esbuild's
 * list of inputs: their folder under node_modules ('zod', 'koa/node_modules/debug'). External
 * packages (EXTERNAL: chinese-days, PGlite, sharp …) are loaded from node_modules at run time, so
 * updating them never makes dist/ stale.
 */
export function bundledPackages(inputPaths) {
  const found = new Set(['@larksuiteoapi/node-sdk']);
  for (const path of inputPaths) {
    const p = path.replaceAll('\\', '/');
    const at = p.indexOf('node_modules/');
    if (at < 0) continue;
    const segments = p.slice(at + 'node_modules/'.length).split('/');
    const parts = [];
    for (let i = 0; i < segments.length;) {
      const scoped = segments[i].startsWith('@');
      parts.push(segments.slice(i, i + (scoped ? 2 : 1)).join('/'));
      i += scoped ? 2 : 1;
      if (segments[i] !== 'node_modules') break;
      parts.push('node_modules');
      i += 1;
    }
    found.add(parts.join('/'));
  }
  return [...found].sort();
}

/** The version installed in `base`'s node_modules at `pkg` (a bundledPackages entry), if any. */
function installedVersion(base, pkg) {
  try {
    return JSON.parse(readFileSync(join(base, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** What dist/.build-stamp records: the build's inputs that are not our own files' times. */
export function stampFor(base, packages) {
  return {
    builtAt: new Date().toISOString(),
    packageJson: packageJsonHash(base),
    packages: Object.fromEntries(packages.map((p) => [p, installedVersion(base, p)])),
  };
}

/**
 * Why dist/ must be rebuilt, or undefined when it is current: no build yet, one of our own files
 * newer than the build (newestSource), package.json changed other than in its dependency lists, or a
 * package the build copied into dist/ installed in another version now (`npm ci` after a pull that
 * updated one). A package removed since (`npm prune`) is not a reason: dist/ holds its copy.
 */
export function staleReason(base = root) {
  const stampFile = join(base, 'dist', '.build-stamp');
  if (!existsSync(stampFile)) return 'dist/ 还没有编译过';
  if (statSync(stampFile).mtimeMs < newestSource(base)) return 'src/ 或编译设置在上次编译后改过';
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return 'dist/ 是旧版编译脚本编译的';
  }
  if (!stamp || typeof stamp.packages !== 'object' || typeof stamp.packageJson !== 'string')
    return 'dist/ 是旧版编译脚本编译的';
  if (stamp.packageJson !== packageJsonHash(base)) return 'package.json 在上次编译后改过';
  for (const [pkg, built] of Object.entries(stamp.packages)) {
    const now = installedVersion(base, pkg);
    if (now !== undefined && now !== built) return `编译时用的 ${pkg} 是 ${built ?? '?'}，现在装的是 ${now}`;
  }
  return undefined;
}

export function isStale(base = root) {
  return staleReason(base) !== undefined;
}

function tscPath() {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

function loadEsbuild() {
  try {
    return createRequire(join(root, 'package.json'))('esbuild');
  } catch {
    return undefined;
  }
}

/** The programs dist/ holds: what `node dist/<name>.js` and the npm scripts run. */
const ENTRIES = ['main', 'cli/main', 'cli/export', 'cli/verify', 'cli/remind', 'cli/digest', 'cli/migrate'];

/**
 * Dependencies left in node_modules, loaded from there: native or WebAssembly code and data files found
 * beside their own modules (PGlite, sharp, pdfkit's fonts, the Opus decoder, xmllint, node-cron's daemon),
 * the Lark SDK and axios (required at run time, see src/lark/sdk.ts), big libraries only some commands
 * load (exceljs, docx, the AWS SDK, exifr, file-type), and the holiday table (chinese-days), which the
 * IT person updates every December with `npm update chinese-days` and a restart, with no rebuild (a
 * server that ran `npm prune --omit=dev` cannot rebuild).
 */
const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'sharp',
  'pdfkit',
  'ogg-opus-decoder',
  'xmllint-wasm',
  'xmllint-wasm/*',
  'node-cron',
  '@larksuiteoapi/node-sdk',
  'axios',
  'exceljs',
  'docx',
  '@aws-sdk/*',
  'exifr',
  'file-type',
  'chinese-days',
  'chinese-days/*',
];

/**
 * One bundle per program, minified (names kept, ASCII-escaped), with the other dependencies it imports
 * (drizzle-orm, zod, koa, pino, postgres, yaml, …) inside; code shared by several programs, and what the
 * code imports only when needed (`await import(…)`), goes to dist/chunks/ and still loads only then.
 * The bot loads ~70 files at start instead of ~850 and holds about 13 MB less memory at idle (README,
 * Start-up). Source maps (dist/**\/*.js.map) point into src/. Returns the installed packages it bundled
 * (bundledPackages), or undefined when it failed.
 */
function bundle(esbuild, out) {
  try {
    const { metafile } = esbuild.buildSync({
      absWorkingDir: root,
      metafile: true,
      entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, join(root, 'src', `${e}.ts`)])),
      outdir: out,
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      external: EXTERNAL,
      minify: true,
      keepNames: true,
      charset: 'ascii',
      legalComments: 'none',
      sourcemap: 'linked',
      sourcesContent: false,
      // CommonJS dependencies inside an ES module bundle call require() (for node: modules).
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    return bundledPackages(Object.keys(metafile.inputs));
  } catch {
    console.error('编译失败：esbuild 打包 src/ 出错（见上面的错误）。');
    return undefined;
  }
}

/**
 * The Lark SDK is one 6 MB CommonJS file, mostly comments, some in Chinese, so V8 keeps its whole source
 * as a two-byte string (11 MB) for as long as the bot runs. The build writes a minified, ASCII-escaped
 * copy beside the compiled code (dist/vendor/, with the SDK's licence); src/lark/sdk.ts loads it when
 * present. The idle bot holds about 25 MB less. Names are kept, so stack traces and behaviour match.
 */
function writeLarkSdk(esbuild, out) {
  const req = createRequire(join(root, 'package.json'));
  const sdkMain = req.resolve('@larksuiteoapi/node-sdk');
  const vendor = join(out, 'vendor');
  mkdirSync(vendor, { recursive: true });
  let code;
  try {
    [{ text: code }] = esbuild.buildSync({
      entryPoints: [sdkMain],
      write: false,
      platform: 'node',
      format: 'cjs',
      bundle: false,
      minify: true,
      keepNames: true,
      charset: 'ascii',
      legalComments: 'none',
      logLevel: 'error',
    }).outputFiles;
  } catch {
    console.error('编译失败：写不出压缩后的飞书 SDK（见上面的错误）。');
    return false;
  }
  // The copy's own require() resolves from the SDK's folder, as the original's does (its dependencies
  // may be nested there, in versions other than the project's), wherever dist/ and node_modules are.
  // It goes after "use strict", which must stay the first statement.
  const strict = '"use strict";';
  const body = code.startsWith(strict) ? code.slice(strict.length) : code;
  const ownRequire =
    "var require = (function (r) { return r('node:module').createRequire(r.resolve('@larksuiteoapi/node-sdk')); })(require);";
  writeFileSync(join(vendor, 'lark-sdk.cjs'), `${code.startsWith(strict) ? strict : ''}${ownRequire}${body}`);
  copyFileSync(join(dirname(sdkMain), '..', 'LICENSE'), join(vendor, 'lark-sdk.LICENSE'));
  return true;
}

/** How long a chunk no build owns any more is kept: a running bot rarely lives through a week of rebuilds. */
export const KEEP_CHUNKS_MS = 7 * 24 * 3600 * 1000;

/**
 * Chunk names carry a hash of their content, and a running bot imports some chunks only when first
 * needed (an export, a spreadsheet). So that a bot started from an earlier build still finds them after
 * rebuilds (each `npm run cli …` after a `git pull` rebuilds), the new dist/chunks/ keeps, beside its own
 * chunks, the previous build's own and those it carried itself (hard links), each until
 * KEEP_CHUNKS_MS after the last build that owned it. dist/chunks/.own lists a build's own chunks (its
 * modification time is that build's time); dist/chunks/.carried lists the others, each with the time
 * (ms) the last build that owned it was made. The first bundled build over a dist/ without .own (one
 * built by tsc alone, which had no chunks/) carries nothing: a bot started from that dist/ loads its
 * files from dist/ itself, which the swap removes, so it must be restarted after that upgrade anyway.
 */
export function keepPreviousChunks(next, current = dist, now = Date.now()) {
  const chunks = join(next, 'chunks');
  mkdirSync(chunks, { recursive: true });
  const own = readdirSync(chunks);
  writeFileSync(join(chunks, '.own'), `${own.join('\n')}\n`);
  const previous = join(current, 'chunks');
  /** Chunk → when the last build that owned it was made. */
  const ownedAt = new Map();
  try {
    const builtAt = statSync(join(previous, '.own')).mtimeMs;
    for (const name of readFileSync(join(previous, '.own'), 'utf8').split('\n').filter(Boolean))
      ownedAt.set(name, builtAt);
  } catch {
    // no earlier bundled build
  }
  try {
    for (const line of readFileSync(join(previous, '.carried'), 'utf8').split('\n').filter(Boolean)) {
      const [name, at] = line.split('\t');
      if (name && !ownedAt.has(name) && Number.isFinite(Number(at))) ownedAt.set(name, Number(at));
    }
  } catch {
    // the previous build carried nothing (or predates .carried)
  }
  const carried = [];
  for (const [name, at] of ownedAt) {
    if (own.includes(name) || now - at > KEEP_CHUNKS_MS || !existsSync(join(previous, name))) continue;
    try {
      linkSync(join(previous, name), join(chunks, name));
    } catch {
      copyFileSync(join(previous, name), join(chunks, name));
    }
    carried.push(`${name}\t${Math.round(at)}`);
  }
  writeFileSync(join(chunks, '.carried'), carried.length ? `${carried.join('\n')}\n` : '');
}

/** Who runs this build, for a message ('uid 1001' when the user has no name). */
function userName() {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function takeLock() {
  const end = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A build that died left its lock: older than 5 minutes is taken over.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 300_000)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > end) throw new Error(`另一次编译占着 ${lock}：确定没有编译在运行时，删掉它再试`);
      sleep(200);
    }
  }
}

/** Builds dist/ (when `onlyIfStale`, only if needed). Returns false when it fails or TypeScript or esbuild is missing. */
export function build({ onlyIfStale = false, quiet = false } = {}) {
  const reason = staleReason();
  if (onlyIfStale && !reason) return true;
  const tsc = tscPath();
  const esbuild = loadEsbuild();
  if (!tsc || !esbuild) {
    console.error(
      `无法编译 dist/${onlyIfStale ? `（${reason}）` : ''}：没有安装 ${tsc ? 'esbuild' : 'TypeScript'}` +
        `（npm prune --omit=dev 或 npm ci --omit=dev 会删掉它）。请在 ${root} 运行：\n  npm ci && npm run build`,
    );
    return false;
  }
  try {
    takeLock();
  } catch (err) {
    if (!['EACCES', 'EPERM', 'EROFS'].includes(err.code)) throw err;
    // The service user runs `npm run verify` in root's program folder after a `git pull`: the lock
    // folder could not be made, and the command died with a stack trace of mkdirSync.
    console.error(
      `dist/ 要重新编译${reason ? `（${reason}）` : ''}，但运行命令的用户 ${userName()} 不能写程序目录 ${root}（${err.code}）：` +
        `请先以程序目录的属主（通常是 root）在 ${root} 运行 npm run build，再运行这条命令`,
    );
    return false;
  }
  try {
    if (onlyIfStale && !isStale()) return true; // built by the command we waited for
    if (!quiet) console.error(`正在编译 dist/（${onlyIfStale ? `${reason}；` : ''}tsc、esbuild）…`);
    const next = join(root, 'dist.next');
    rmSync(next, { recursive: true, force: true });
    const res = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noEmit'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (res.status !== 0) {
      console.error('编译失败（见上面的错误）。');
      return false;
    }
    const packages = bundle(esbuild, next);
    if (!packages || !writeLarkSdk(esbuild, next)) {
      rmSync(next, { recursive: true, force: true });
      return false;
    }
    keepPreviousChunks(next);
    writeFileSync(join(next, '.build-stamp'), `${JSON.stringify(stampFor(root, packages), null, 2)}\n`);
    const old = join(root, 'dist.old');
    rmSync(old, { recursive: true, force: true });
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(next, dist);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ok = build({ onlyIfStale: process.argv.includes('--if-stale') });
  process.exit(ok ? 0 : 1);
}
