import { readEnv } from '../env.js';
import { errorMessage } from '../errors.js';
import { loadCliSettings } from '../settings.js';
import { openCliDb } from './open-cli-db.js';

/** `npm run db:migrate`: applies drizzle/ migrations to DATABASE_URL (or the PGlite in DATA_DIR). */
try {
  const database = await openCliDb(loadCliSettings(readEnv()));
  await database.close();
  console.log(`Migrations applied (${database.kind}).`);
} catch (err) {
  console.error(`Migration failed: ${errorMessage(err)}`);
  process.exit(1);
}
