import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as LarkSdk from '@larksuiteoapi/node-sdk';
import type { AxiosStatic } from 'axios';

// The Lark SDK and axios are CommonJS, loaded here with require() rather than `import`. An ESM import of
// a CommonJS file makes Node first scan its whole source for export names, and the SDK is one 6 MB file:
// about 0.6 s of CPU at every start of the bot. An `import` of axios would also load axios's ESM build
// beside the CommonJS copy the SDK itself requires; require() shares that one copy.
const requireCjs = createRequire(import.meta.url);

// The compiled bot loads the build's minified copy of the same SDK (scripts/build.mjs says why: about
// 25 MB less memory for as long as the bot runs); from the sources (tsx, tests) there is none beside us.
const minified = fileURLToPath(new URL('../vendor/lark-sdk.cjs', import.meta.url));

export const lark = requireCjs(existsSync(minified) ? minified : '@larksuiteoapi/node-sdk') as typeof LarkSdk;
export const axios = requireCjs('axios') as AxiosStatic;
export type { LarkSdk };
