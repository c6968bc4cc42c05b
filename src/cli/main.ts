import { readEnv } from '../env.js';
import { AppError, errorMessage } from '../errors.js';
import { openCliDb } from './open-cli-db.js';
import { COMMANDS } from './commands.js';

/**
 * `npm run cli -- <group> <command> [args]`. Each group lives in its own file; see COMMANDS.
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */
const [group, ...args] = process.argv.slice(2);
const entry = group ? COMMANDS[group] : undefined;
if (!entry) {
  console.error(
    `Usage: npm run cli -- <command> …\n\nCommands:\n${Object.entries(COMMANDS)
      .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
      .join('\n')}`,
  );
  process.exit(group ? 2 : 0);
}
const env = readEnv();
const database = await openCliDb(env).catch((err) => {
  console.error(`Cannot open the database: ${errorMessage(err)}`);
  process.exit(1);
});
try {
  await entry.run(args, { db: database.db, env, out: (line) => console.log(line) });
  await database.close();
} catch (err) {
  await database.close().catch(() => {});
  console.error(err instanceof AppError ? `${err.message}` : `Failed: ${errorMessage(err)}`);
  process.exit(err instanceof AppError && err.code === 'usage' ? 2 : 1);
}
