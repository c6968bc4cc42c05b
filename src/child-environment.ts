/**
 * What an external program the bot runs sees of its environment. A virus scanner or a DOCX converter
 * is someone else's code: it gets the locale, PATH and home it needs, never the Lark secret, the S3
 * keys or the database URL that the bot's own environment holds.
 */
const PASSED = /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z_]+|TZ|TMPDIR|TMP|TEMP)$/;

export function toolEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env))
    if (PASSED.test(name) && value !== undefined) out[name] = value;
  return out;
}

/**
 * pg_dump / pg_restore arguments for a database URL with its password moved to PGPASSWORD, so that
 * it is not on the command line, which every user of the machine can read in `ps`.
 */
export function libpqConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return {
    dbname: parsed.toString(),
    env: password ? { ...process.env, PGPASSWORD: password } : { ...process.env },
  };
}
