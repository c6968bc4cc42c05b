// Compiles src/ into dist/ with tsc (tsconfig.build.json). Plain Node, no dependencies but TypeScript.
//   node scripts/build.mjs             build now
//   node scripts/build.mjs --if-stale  build only when dist/ is missing or older than a source file
// The new build is written beside dist/ and swapped in, so a running process keeps its files, and a
// lock folder lets two commands that find dist/ stale at once build it once.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const lock = join(root, '.dist-building');

/** Newest modification time of what the build reads. */
function newestSource() {
  let newest = 0;
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'])
    newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function isStale() {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestSource();
}

function tscPath() {
  try {
    return createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/**
 * The Lark SDK is one 6 MB CommonJS file, mostly comments, some in Chinese, so V8 keeps its whole source
 * as a two-byte string (11 MB) for as long as the bot runs. The build writes a minified, ASCII-escaped
 * copy beside the compiled code (dist/vendor/, with the SDK's licence); dist/lark/sdk.js loads it when
 * present. The idle bot holds about 25 MB less. Names are kept, so stack traces and behaviour match.
 */
function writeLarkSdk(out) {
  const req = createRequire(join(root, 'package.json'));
  let esbuild;
  try {
    esbuild = req('esbuild');
  } catch {
    return true; // without esbuild the bot loads the SDK from node_modules, as in development
  }
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
    console.error('Build failed: could not write the minified Lark SDK (see the errors above).');
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
      if (Date.now() > end) throw new Error(`another build holds ${lock}; remove it if no build is running`);
      sleep(200);
    }
  }
}

/** Builds dist/ (when `onlyIfStale`, only if needed). Returns false when TypeScript is missing. */
export function build({ onlyIfStale = false, quiet = false } = {}) {
  if (onlyIfStale && !isStale()) return true;
  const tsc = tscPath();
  if (!tsc) {
    console.error(
      'Cannot build dist/: TypeScript is not installed. Run `npm ci` (with dev dependencies), then `npm run build`.',
    );
    return false;
  }
  takeLock();
  try {
    if (onlyIfStale && !isStale()) return true; // built by the command we waited for
    if (!quiet) console.error('Building dist/ (tsc)…');
    const next = join(root, 'dist.next');
    rmSync(next, { recursive: true, force: true });
    const res = spawnSync(
      process.execPath,
      [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', next],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (res.status !== 0) {
      rmSync(next, { recursive: true, force: true });
      console.error('Build failed (see the errors above).');
      return false;
    }
    if (!writeLarkSdk(next)) {
      rmSync(next, { recursive: true, force: true });
      return false;
    }
    writeFileSync(join(next, '.build-stamp'), `${new Date().toISOString()}\n`);
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
