import { readEnv } from '../env.js';
import { AppError, errorMessage } from '../errors.js';
import { loadCliSettings } from '../settings.js';
import { openCliDb } from './open-cli-db.js';
import { COMMANDS } from './commands.js';

/**
 * `npm run cli -- <group> <command> [args]`. Each group lives in its own file; see COMMANDS.
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */
const [group, ...args] = process.argv.slice(2);
const load = group ? COMMANDS[group] : undefined;
if (!load) {
  const summaries = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, l]) => `  ${name.padEnd(12)} ${(await l()).summary}`),
  );
  console.error(`Usage: npm run cli -- <command> …\n\nCommands:\n${summaries.join('\n')}`);
  process.exit(group ? 2 : 0);
}
const entry = await load();
const env = readEnv();
if ('standalone' in entry) {
  try {
    await entry.standalone(args, { env, out: (line) => console.log(line) });
    process.exit(0);
  } catch (err) {
    if (!(err instanceof AppError) || err.message)
      console.error(err instanceof AppError ? `${err.message}` : `Failed: ${errorMessage(err)}`);
    process.exit(err instanceof AppError && err.code === 'usage' ? 2 : 1);
  }
}
const database = await openCliDb(loadCliSettings(env)).catch((err) => {
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
