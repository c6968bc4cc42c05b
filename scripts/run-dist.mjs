// `npm start` and the npm CLI scripts: node scripts/run-dist.mjs <entry under dist/> [args…]
// Rebuilds dist/ first when a source file is newer (a `git pull`, an edit), then runs the compiled
// entry in this same process: no tsx, no second process, signals reach the bot directly.
// Production runs `node dist/main.js` itself (deploy/archive-bot.service).
import { join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { build } from './build.mjs';

const entry = process.argv[2];
if (!entry) {
  console.error('用法: node scripts/run-dist.mjs <entry.js> [参数…]');
  process.exit(2);
}
if (!build({ onlyIfStale: true })) process.exit(1);
// The entry sees the arguments as if started as `node dist/<entry> args…`.
process.argv.splice(1, 2, join(import.meta.dirname, '..', 'dist', entry));
await import(pathToFileURL(process.argv[1]).href);
