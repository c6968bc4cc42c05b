import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as LarkSdk from '@larksuiteoapi/node-sdk';
import type { AxiosStatic } from 'axios';
import { PACKAGE_ROOT, RUNNING_FROM_DIST } from '../package-root.js';

// The Lark SDK and axios are CommonJS, loaded here with require() rather than `import`. An ESM import of
// a CommonJS file makes Node first scan its whole source for export names, and the SDK is one 6 MB file:
// about 0.6 s of CPU at every start of the bot. An `import` of axios would also load axios's ESM build
// beside the CommonJS copy the SDK itself requires; require() shares that one copy.
const requireCjs = createRequire(import.meta.url);

// The compiled bot loads the build's minified copy of the same SDK (scripts/build.mjs says why: about
// 25 MB less memory for as long as the bot runs); from the sources (tsx, tests) it loads the package's.
const minified = RUNNING_FROM_DIST ? join(PACKAGE_ROOT, 'dist', 'vendor', 'lark-sdk.cjs') : undefined;

export const lark = requireCjs(
  minified && existsSync(minified) ? minified : '@larksuiteoapi/node-sdk',
) as typeof LarkSdk;
export const axios = requireCjs('axios') as AxiosStatic;
export type { LarkSdk };
