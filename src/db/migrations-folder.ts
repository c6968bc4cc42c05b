import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/** drizzle/: the migrations this program ships (SQL files and meta/_journal.json). */
export const MIGRATIONS_FOLDER = join(PACKAGE_ROOT, 'drizzle');
