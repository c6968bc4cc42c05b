import { readFileSync } from 'node:fs';

/** package.json's version (read from the repository root: src/ and dist/ are both one level down). */
export const APP_VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;
