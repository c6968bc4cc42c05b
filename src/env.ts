import { parse as parseDotenv } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import type { Env } from './config.js';

/** `.env` fills in what the real environment does not set (the environment wins). */
export function readEnv(path = '.env', env: Env = process.env): Env {
  const fromFile = existsSync(path) ? parseDotenv(readFileSync(path)) : {};
  return { ...fromFile, ...env };
}
