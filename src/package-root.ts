import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/**
 * The project's folder (package.json, drizzle/, dist/): the nearest folder above this module holding a
 * package.json. The module runs from src/ (tsx, tests) or from whichever file of dist/ the build bundled
 * it into (dist/main.js, dist/cli/…, dist/chunks/…), so a fixed number of `../` would not do.
 */
function findPackageRoot(): string {
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in any folder above ${here}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot();

/** Whether this is the compiled program (dist/, built by scripts/build.mjs) rather than the sources. */
export const RUNNING_FROM_DIST = here.startsWith(join(PACKAGE_ROOT, 'dist') + sep);

/**
 * A file inside the program's folder (a relative path from the working directory, as the settings
 * loader reads it): the county's edits there stop the next upgrade's `git pull`, or are lost with it.
 */
export function insideProgramFolder(file: string, root = PACKAGE_ROOT): boolean {
  const rel = relative(root, resolve(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
