import { fileURLToPath } from 'node:url';

/** drizzle/: the migrations this program ships (SQL files and meta/_journal.json). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
