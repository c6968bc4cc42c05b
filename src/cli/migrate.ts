import { readEnv } from '../env.js';
import { errorMessage } from '../errors.js';
import { loadCliSettings } from '../settings.js';
import { openCliDb } from './open-cli-db.js';

const USAGE = `Usage: npm run db:migrate
  Applies the migrations in drizzle/ to DATABASE_URL (or the embedded database in DATA_DIR); the bot
  also does this at start. A database a newer version of the program migrated is refused.`;

/** `npm run db:migrate`: applies drizzle/ migrations to DATABASE_URL (or the PGlite in DATA_DIR). */
const args = process.argv.slice(2);
if (args.length > 0) {
  // `--help` (or a mistyped argument) must not touch the database.
  const help = args.length === 1 && ['--help', '-h', 'help'].includes(args[0]!);
  (help ? console.log : console.error)(help ? USAGE : `Unknown argument '${args[0]}'\n${USAGE}`);
  process.exit(help ? 0 : 2);
}
try {
  const database = await openCliDb(loadCliSettings(readEnv()));
  await database.close();
  console.log(`Migrations applied (${database.kind}).`);
} catch (err) {
  console.error(`Migration failed: ${errorMessage(err)}`);
  process.exit(1);
}
